//! `sherpa token create`: a long random token, printed once, stored as a SHA-256 hash.

use sherpa_app::{Caller, CreateToken};
use sherpa_core::*;

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token for a team member and print it once.
    Create {
        /// The team member's email.
        email: String,
        /// api (REST API) or ingest (event intake only).
        #[arg(long)]
        scope: String,
        /// A name to tell the token by in lists.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List a team member's tokens (never their secrets).
    List {
        /// The team member's email.
        email: String,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id, as `token list` shows it.
        id: String,
    },
}

pub async fn run(db: &str, cmd: TokenCommand) -> anyhow::Result<()> {
    let app = crate::app(db).await?;
    let store = app.store();
    match cmd {
        TokenCommand::Create { email, scope, name } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let scope: TokenScope = scope.parse().map_err(|e: Invalid| anyhow::anyhow!("{e}"))?;
            if store.user_by_email(&email).await?.is_none() {
                anyhow::bail!("no team member {email}; add them with sherpa user add");
            }
            let cmd = CreateToken {
                owner: PersonRef::Email(email),
                scope,
                name,
            };
            let (user, t) = app.create_token(&Caller::operator(), cmd).await?;
            eprintln!(
                "token {} for {} ({} scope); it is shown only now:",
                t.id,
                user.email,
                scope.as_str()
            );
            println!("{}", t.secret);
        }
        TokenCommand::List { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = store
                .user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no team member {email}"))?;
            for t in store.tokens(Some(user.id)).await? {
                let state = if t.revoked { "revoked" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.name,
                    t.scope,
                    sherpa_core::text::timestamp(t.created_at)
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let id: TokenId = id.parse().map_err(|e: Invalid| anyhow::anyhow!("{e}"))?;
            app.revoke_token(&Caller::operator(), id).await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}
