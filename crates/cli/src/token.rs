//! `ensemble token create|list|revoke`: API tokens for accounts. A token is printed once, stored
//! only as a digest, expires after a set number of days, and can be revoked at once; creating
//! and revoking are audited.

use crate::DbArgs;
use anyhow::bail;
use clap::{Args, Subcommand};
use ensemble_store::{actions, Actor};

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create a token for the account with this e-mail address and print it (it is stored
    /// only as a digest and cannot be shown again).
    Create {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until the token expires (1–365).
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=365))]
        days: u32,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens (never the tokens themselves): id, account, name, created, last used,
    /// expiry and whether revoked.
    List {
        /// Only this account's tokens.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token at once (its id from `token list`).
    Revoke {
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// A unix-millisecond time as `YYYY-MM-DD HH:MM UTC`.
fn when(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| "?".into())
}

pub async fn run(a: TokenArgs) -> anyhow::Result<()> {
    match a.command {
        TokenCommand::Create {
            email,
            name,
            days,
            db,
        } => {
            if name.trim().is_empty() || name.chars().count() > 100 {
                bail!("--name must be 1 to 100 characters");
            }
            let store = db.connect().await?;
            let entry = Actor::command_line("ensemble token create").entry(
                actions::TOKEN_CREATE,
                "api_token",
                None,
            );
            let (token, row) = store.create_token(&email, &name, days, &entry).await?;
            println!("{token}");
            eprintln!(
                "Token {} for {} expires {}.",
                row.id,
                row.email,
                when(row.expires_at)
            );
            Ok(())
        }
        TokenCommand::List { email, db } => {
            let store = db.connect().await?;
            let rows = store.tokens(email.as_deref()).await?;
            if rows.is_empty() {
                println!("No tokens.");
                return Ok(());
            }
            let now = ensemble_store::now_ms();
            println!(
                "{:>5}  {:<36} {:<16} {:<21} {:<21} {:<21} state",
                "id", "account", "name", "created", "last used", "expires"
            );
            for r in rows {
                let state = match r.revoked_at {
                    Some(t) => format!("revoked {}", when(t)),
                    None if r.expires_at <= now => "expired".into(),
                    None => "live".into(),
                };
                println!(
                    "{:>5}  {:<36} {:<16} {:<21} {:<21} {:<21} {state}",
                    r.id,
                    r.email,
                    r.name,
                    when(r.created_at),
                    r.last_used_at.map_or("never".into(), when),
                    when(r.expires_at)
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, db } => {
            let store = db.connect().await?;
            let entry = Actor::command_line("ensemble token revoke")
                .entry(actions::TOKEN_REVOKE, "api_token", Some(id))
                .detail(format!("token {id}"));
            store.revoke_token(id, &entry).await?;
            println!("Revoked token {id}.");
            Ok(())
        }
    }
}
