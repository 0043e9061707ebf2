//! `ensemble token create`: an API token for an account, printed once.

use crate::DbArgs;
use clap::{Args, Subcommand};

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
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(a: TokenArgs) -> anyhow::Result<()> {
    match a.command {
        TokenCommand::Create { email, name, db } => {
            let store = db.connect().await?;
            let token = store.create_token(&email, &name).await?;
            println!("{token}");
            Ok(())
        }
    }
}
