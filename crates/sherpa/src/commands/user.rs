//! `sherpa user add`: add or update a team member; the password comes from SHERPA_PASSWORD or a
//! prompt and is stored only as an argon2id hash.

use sherpa_app::{AddTeamMember, Caller, ChangeTeamMember};
use sherpa_core::*;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a team member, or update the one with that email (their role, function, name if
    /// given, and password; they are active again).
    Add {
        /// Their email: what they sign in with.
        email: String,
        /// admin, leader, csm, sales or viewer.
        #[arg(long)]
        role: String,
        /// Their name as the pages show it (default: from the email).
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
    let app = crate::app(db).await?;
    let operator = Caller::operator();
    let user = match app.store().user_by_email(&email).await? {
        Some(member) => {
            let cmd = ChangeTeamMember {
                name,
                function,
                role,
                manager: member.manager_id.map(PersonRef::Id),
                active: true,
            };
            app.change_team_member(&operator, member.id, cmd).await?;
            app.reset_password(&operator, member.id, password).await?
        }
        None => {
            let name = name.unwrap_or_else(|| {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .replace('.', " ")
            });
            let cmd = AddTeamMember {
                email,
                name,
                function,
                role,
                manager: None,
                password,
            };
            app.add_team_member(&operator, cmd).await?
        }
    };
    let user = app.store().user(user.id).await?;
    println!(
        "{} <{}> is a {} (id {})",
        user.name, user.email, user.role, user.id
    );
    Ok(())
}
