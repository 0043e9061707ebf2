//! `ensemble user create`: accounts for a real installation (the first system leader, school
//! leaders, educators). The password is read from standard input, never from the command line.
//! `ensemble user link`: a one-time link with which an account's holder chooses a password.

use crate::DbArgs;
use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use ensemble_domain::{EducatorId, SchoolId, SystemRole};

#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Role {
    SystemAdmin,
    SchoolLeader,
    Educator,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account; its password is the first line of standard input (at least 10 characters).
    Create {
        #[arg(long)]
        email: String,
        /// The name shown in the application.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The school of a school leader.
        #[arg(long)]
        school: Option<i64>,
        /// The educator record an educator's account belongs to (their teams grant access).
        #[arg(long)]
        educator: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Make a one-time sign-in link with which an account's holder chooses a password (an
    /// account an import made has none; the same link resets a forgotten one).
    Link {
        #[arg(long)]
        email: String,
        /// How many days the link works.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=90))]
        days: u16,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(a: UserArgs) -> anyhow::Result<()> {
    let (email, name, role, school, educator, db) = match a.command {
        UserCommand::Create {
            email,
            name,
            role,
            school,
            educator,
            db,
        } => (email, name, role, school, educator, db),
        UserCommand::Link { email, days, db } => return link(&email, days, db).await,
    };
    if !email.contains('@') || email.len() > 254 {
        bail!("--email must be an e-mail address");
    }
    let role = match role {
        Role::SystemAdmin => SystemRole::SystemAdmin,
        Role::SchoolLeader => SystemRole::SchoolLeader,
        Role::Educator => SystemRole::Educator,
    };
    if role == SystemRole::SchoolLeader && school.is_none() {
        bail!("a school leader needs --school ID");
    }
    if role == SystemRole::Educator && educator.is_none() {
        bail!("an educator's account needs --educator ID");
    }
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 10 {
        bail!("the password (first line of standard input) must be at least 10 characters");
    }
    let hash = ensemble_server::hash_password(password)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let store = db.connect().await?;
    let id = store
        .create_user(
            &email,
            &name,
            role,
            school.map(SchoolId),
            educator.map(EducatorId),
            Some(&hash),
            &ensemble_store::Actor::command_line("ensemble user create")
                .entry(ensemble_store::actions::USER_CREATE, "user", None)
                .detail(format!("{email} as {}", role.label())),
        )
        .await?;
    println!("Created account {id} for {email}.");
    Ok(())
}

async fn link(email: &str, days: u16, db: DbArgs) -> anyhow::Result<()> {
    let store = db.connect().await?;
    let Some((user, _)) = store.login_lookup(email).await? else {
        bail!("no account has the e-mail address {email}");
    };
    let entry = ensemble_store::Actor::command_line("ensemble user link")
        .entry(ensemble_store::actions::USER_LINK, "user", Some(user.0))
        .detail(format!("for {email}, working {days} days"));
    let secret = store
        .make_sign_in_link(user, None, i64::from(days) * 86_400_000, &entry)
        .await?
        .with_context(|| format!("no account has the e-mail address {email}"))?;
    println!(
        "Sign-in link for {email}, working {days} days and once: /welcome/{secret}\n\
         Give it to its holder after the address Ensemble serves on (such as https://ensemble.example.org/welcome/…)."
    );
    Ok(())
}
