//! `ensemble user create`: accounts for a real installation (the first system leader, school
//! leaders, educators). The password is read from standard input, never from the command line.

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
}

pub async fn run(a: UserArgs) -> anyhow::Result<()> {
    let UserCommand::Create {
        email,
        name,
        role,
        school,
        educator,
        db,
    } = a.command;
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
