//! `sherpa user add`: add or update a team member; the password comes from SHERPA_PASSWORD or a
//! prompt and is stored only as an argon2id hash.

use sherpa_core::*;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a team member (or update the one with that email).
    Add {
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// sales, csm, customer_development, executive, operations.
        #[arg(long, default_value = "csm")]
        function: String,
    },
}

pub async fn run(db: &str, cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        email,
        role,
        name,
        function,
    } = cmd;
    let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let role: Role = role.parse()?;
    let function: Function = function.parse()?;
    let password = match std::env::var("SHERPA_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => rpassword::prompt_password(format!("Password for {email}: "))?,
    };
    let hash = sherpa_server::password::hash(&password)?;
    let store = crate::open(db).await?;
    let name = name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .replace('.', " ")
    });
    let input = UserInput {
        email,
        name,
        function,
        role,
        manager_email: None,
        active: true,
    };
    let user = store
        .upsert_user(&Actor::system("cli"), &input, Some(&hash))
        .await?;
    println!(
        "{} <{}> is a {} (id {})",
        user.name, user.email, user.role, user.id
    );
    Ok(())
}
