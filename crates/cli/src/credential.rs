//! `ensemble credential verify FILE…`: checks Open Badges 3.0 credentials offline — the
//! `eddsa-rdfc-2022` proof, by an issuer whose key is a `did:key` — and says plainly why one
//! does not verify or cannot be checked here. `ensemble credential export --educator EMAIL
//! --out DIR`: the credentials an educator earned, one JSON file each.

use clap::{Args, Subcommand};
use ensemble_credentials::CredentialError;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CredentialArgs {
    #[command(subcommand)]
    command: CredentialCommand,
}

#[derive(Subcommand, Debug)]
enum CredentialCommand {
    /// Verify Open Badges 3.0 credentials (JSON files) offline: exit 0 when every one verifies,
    /// 1 when one does not, 2 when one cannot be read or checked here.
    Verify {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the credentials an educator earned, one signed JSON file each, into a folder.
    Export {
        /// The e-mail address of the educator's account.
        #[arg(long)]
        educator: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: crate::DbArgs,
    },
}

/// Runs `verify` (no database, no runtime); hands anything else back.
pub fn run_offline(a: CredentialArgs) -> Result<ExitCode, CredentialArgs> {
    match a.command {
        CredentialCommand::Verify { files } => Ok(verify(&files)),
        other => Err(CredentialArgs { command: other }),
    }
}

/// `export`: every credential the educator earned, as `NN-name.json` files.
pub async fn run(a: CredentialArgs) -> anyhow::Result<()> {
    use anyhow::{bail, Context};
    let CredentialCommand::Export { educator, out, db } = a.command else {
        return Ok(());
    };
    let store = db.connect().await?;
    let Some((user, _)) = store.login_lookup(&educator).await? else {
        bail!("no account has the e-mail address {educator}");
    };
    let Some(me) = store.principal(user).await?.and_then(|p| p.educator) else {
        bail!("the account {educator} is not an educator's");
    };
    let issued = store.issued_credentials(me).await?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for (i, c) in issued.iter().enumerate() {
        let slug: String = c
            .name
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() {
                    ch.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let path = out.join(format!("{:02}-{}.json", i + 1, slug.trim_matches('-')));
        let text = serde_json::to_string_pretty(&c.credential)?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "Wrote {} credential{} of {educator} to {}.",
        issued.len(),
        if issued.len() == 1 { "" } else { "s" },
        out.display()
    );
    Ok(())
}

fn verify(files: &[PathBuf]) -> ExitCode {
    let mut worst = 0u8;
    for file in files {
        let (code, line) = verdict(file);
        worst = worst.max(code);
        println!("{}: {line}", file.display());
    }
    ExitCode::from(worst)
}

/// One file's verdict: 0 verified, 1 not verified, 2 not readable or not checkable offline.
fn verdict(file: &PathBuf) -> (u8, String) {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return (2, format!("cannot be read ({e})")),
    };
    let doc: serde_json::Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            return (
                2,
                format!(
                    "is not JSON (line {}, column {}: {e})",
                    e.line(),
                    e.column()
                ),
            )
        }
    };
    let name = doc
        .get("name")
        .and_then(|n| n.as_str())
        .map(|n| format!("\"{n}\" "))
        .unwrap_or_default();
    match ensemble_credentials::verify(&doc) {
        Ok(issuer) => {
            let by = doc
                .pointer("/issuer/name")
                .and_then(|n| n.as_str())
                .map(|n| format!("{n} ({issuer})"))
                .unwrap_or(issuer);
            (0, format!("{name}verified: signed by {by}"))
        }
        Err(e @ (CredentialError::Unresolvable(_) | CredentialError::JsonLd(_))) => {
            (2, format!("{name}cannot be checked offline: {e}"))
        }
        Err(e) => (1, format!("{name}does not verify: {e}")),
    }
}
