//! `sherpa user add|list|set-role|deactivate|assign-owner`: the team from the command line. A password comes
//! from SHERPA_PASSWORD or a prompt and is stored only as an argon2id hash; every change goes
//! through the same use case as the Users page and the API, audited.

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
    /// List the team: email, name, role, function and whether they may sign in.
    List,
    /// Change a team member's role.
    SetRole {
        /// Their email.
        email: String,
        /// admin, leader, csm, sales or viewer.
        role: String,
    },
    /// Stop a team member from signing in and sign them out everywhere; their accounts, tasks
    /// and history stay theirs until reassigned (`user add` makes them active again).
    Deactivate {
        /// Their email.
        email: String,
    },
    /// Give the accounts an import kept for an owner who is not a team member ("Sam Seller",
    /// listed by `user list`) to a member who goes by another name or email here.
    AssignOwner {
        /// The owner's name or email as the file wrote it.
        name: String,
        /// The team member's email or full name.
        member: String,
    },
}

pub async fn run(db: &str, cmd: UserCommand) -> anyhow::Result<()> {
    let (email, role, name, function) = match cmd {
        UserCommand::Add {
            email,
            role,
            name,
            function,
        } => (email, role, name, function),
        UserCommand::List => return list(db).await,
        UserCommand::SetRole { email, role } => {
            let role: Role = role.parse()?;
            return change(db, &email, |c| c.role = role).await;
        }
        UserCommand::Deactivate { email } => return change(db, &email, |c| c.active = false).await,
        UserCommand::AssignOwner { name, member } => {
            let app = crate::app(db).await?;
            let member = PersonRef::from_text(&member)
                .map_err(|e| anyhow::anyhow!("member: {}", e.0))?
                .ok_or_else(|| anyhow::anyhow!("member: give their email or full name"))?;
            let n = app
                .assign_pending_owner(&Caller::operator(), &name, &member)
                .await?;
            println!(
                "{member} now owns {n} account{} that waited for \"{}\"",
                if n == 1 { "" } else { "s" },
                name.trim()
            );
            return Ok(());
        }
    };
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
        "{} <{}> is {} (id {})",
        user.name,
        user.email,
        sherpa_core::text::with_article(user.role.as_str()),
        user.id
    );
    Ok(())
}

async fn list(db: &str) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    let mut table =
        sherpa_core::export::Table::new(&["email", "name", "role", "function", "active"]);
    for u in store.users().await? {
        table.rows.push(vec![
            u.email.to_string(),
            u.name,
            u.role.to_string(),
            u.function.as_str().to_string(),
            if u.active { "yes" } else { "no" }.to_string(),
        ]);
    }
    print!("{}", table.to_text());
    let pending = store.pending_owners().await?;
    if !pending.is_empty() {
        println!(
            "\nNamed as owners by imports, not team members yet (add them and they own these):"
        );
        for p in pending {
            println!(
                "  {}: {} of {} account{}",
                p.name,
                p.function,
                p.accounts,
                if p.accounts == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}

/// Changes one member as the operator, keeping everything `edit` leaves alone.
async fn change(
    db: &str,
    email: &str,
    edit: impl FnOnce(&mut ChangeTeamMember),
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = crate::app(db).await?;
    let member = app.store().user_by_email(&email).await?.ok_or_else(|| {
        anyhow::anyhow!("no team member {email}; `sherpa user list` shows the team")
    })?;
    let mut cmd = ChangeTeamMember {
        name: None,
        function: member.function,
        role: member.role,
        manager: member.manager_id.map(PersonRef::Id),
        active: member.active,
    };
    edit(&mut cmd);
    let u = app
        .change_team_member(&Caller::operator(), member.id, cmd)
        .await?;
    println!(
        "{} <{}> is {}{}",
        u.name,
        u.email,
        sherpa_core::text::with_article(u.role.as_str()),
        if u.active {
            ""
        } else {
            ", deactivated: cannot sign in"
        }
    );
    Ok(())
}
