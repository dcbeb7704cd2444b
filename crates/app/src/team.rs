//! The team as an admin keeps it: adding a member, changing their function, role, manager or
//! whether they are active, resetting a password, and the API tokens that act as a member. A
//! person changes their own password here too. Passwords are hashed before they reach the
//! store; a token's secret is shown once and kept only as a hash.

use crate::{App, Caller, Error, Result, password};
use sherpa_core::book::limits;
use sherpa_core::{
    Email, Function, PersonRef, Role, TokenId, TokenScope, User, UserId, UserInput, required_text,
};
use sherpa_store::NewToken;

/// The longest name a token may have ("nightly CRM sync").
pub const TOKEN_NAME: usize = 100;

/// Add a team member who signs in with a password.
#[derive(Debug, Clone)]
pub struct AddTeamMember {
    pub email: Email,
    pub name: String,
    pub function: Function,
    pub role: Role,
    /// Their manager, by email or full name; none at the top of the team.
    pub manager: Option<PersonRef>,
    pub password: String,
}

/// Change what a team member does and whether they may sign in.
#[derive(Debug, Clone)]
pub struct ChangeTeamMember {
    /// A new full name; the one they have when none.
    pub name: Option<String>,
    pub function: Function,
    pub role: Role,
    pub manager: Option<PersonRef>,
    pub active: bool,
}

/// Create an API token that acts as a team member.
#[derive(Debug, Clone)]
pub struct CreateToken {
    /// The member it acts as, by email or full name.
    pub owner: PersonRef,
    pub scope: TokenScope,
    pub name: String,
}

impl App {
    /// Adds a member (admins); an email already on the team is refused.
    pub async fn add_team_member(&self, by: &Caller, cmd: AddTeamMember) -> Result<User> {
        by.may(|u| u.may_administer())?;
        if self.store.user_by_email(&cmd.email).await?.is_some() {
            return Err(Error::invalid(
                "email",
                format!("{} is already a team member", cmd.email),
            ));
        }
        let name = required_text("name", &cmd.name, limits::NAME)
            .map_err(|e| Error::invalid("name", e.0))?;
        let manager_email = self.manager_email(cmd.manager.as_ref()).await?;
        let hash = hash(cmd.password).await?;
        let input = UserInput {
            email: cmd.email,
            name,
            function: cmd.function,
            role: cmd.role,
            manager_email,
            active: true,
        };
        Ok(self
            .store
            .upsert_user(&by.actor(), &input, Some(&hash))
            .await?)
    }

    /// Changes a member (admins). An admin cannot deactivate themselves (another admin must),
    /// and nobody manages themselves. A member made inactive is signed out everywhere.
    pub async fn change_team_member(
        &self,
        by: &Caller,
        id: UserId,
        cmd: ChangeTeamMember,
    ) -> Result<User> {
        by.may(|u| u.may_administer())?;
        let member = self.store.user(id).await?;
        if !cmd.active && by.person().is_ok_and(|me| me.id == id) {
            return Err(Error::invalid(
                "active",
                "you cannot deactivate yourself; ask another admin",
            ));
        }
        let manager_email = self.manager_email(cmd.manager.as_ref()).await?;
        if manager_email.as_ref() == Some(&member.email) {
            return Err(Error::invalid(
                "manager",
                "a person cannot manage themselves",
            ));
        }
        let name = match cmd.name {
            Some(n) => {
                required_text("name", &n, limits::NAME).map_err(|e| Error::invalid("name", e.0))?
            }
            None => member.name,
        };
        let input = UserInput {
            email: member.email,
            name,
            function: cmd.function,
            role: cmd.role,
            manager_email,
            active: cmd.active,
        };
        let saved = self.store.upsert_user(&by.actor(), &input, None).await?;
        if !saved.active {
            self.store.close_sessions_of(saved.id, None).await?;
        }
        Ok(saved)
    }

    /// Sets a member's password (admins) and signs them out everywhere.
    pub async fn reset_password(&self, by: &Caller, id: UserId, new: String) -> Result<User> {
        by.may(|u| u.may_administer())?;
        let member = self.store.user(id).await?;
        let hash = hash(new).await?;
        self.store
            .set_password_hash(&by.actor(), member.id, &hash)
            .await?;
        self.store.close_sessions_of(member.id, None).await?;
        Ok(member)
    }

    /// The caller changes their own password; the current one must be right. They stay
    /// signed in only in the session named by `keep` (where they changed it).
    pub async fn change_own_password(
        &self,
        by: &Caller,
        current: String,
        new: String,
        keep: Option<&str>,
    ) -> Result<()> {
        let me = by.person()?;
        let stored = self.store.password_hash(&me.email).await?;
        let right = match stored {
            Some((_, phc)) => tokio::task::spawn_blocking(move || password::verify(&current, &phc))
                .await
                .unwrap_or(false),
            None => false,
        };
        if !right {
            return Err(Error::invalid(
                "current",
                "the current password is not right",
            ));
        }
        let hash = hash(new).await?;
        self.store
            .set_password_hash(&by.actor(), me.id, &hash)
            .await?;
        self.store.close_sessions_of(me.id, keep).await?;
        Ok(())
    }

    /// Creates a token (admins); its secret is in the answer and nowhere else.
    pub async fn create_token(&self, by: &Caller, cmd: CreateToken) -> Result<(User, NewToken)> {
        by.may(|u| u.may_administer())?;
        let owner = self
            .store
            .find_person(&cmd.owner)
            .await
            .map_err(|e| named("acts as", e))?;
        let owner = self.store.user(owner).await?;
        let name = required_text("token name", &cmd.name, TOKEN_NAME)
            .map_err(|e| Error::invalid("name", e.0))?;
        let token = self
            .store
            .create_token(&by.actor(), owner.id, cmd.scope, &name)
            .await?;
        Ok((owner, token))
    }

    /// Revokes a token (admins): it stops working at once.
    pub async fn revoke_token(&self, by: &Caller, id: TokenId) -> Result<()> {
        by.may(|u| u.may_administer())?;
        Ok(self.store.revoke_token(&by.actor(), id).await?)
    }

    /// Names files gave as owners who are not team members yet, with their accounts (admins).
    pub async fn pending_owners(&self, by: &Caller) -> Result<Vec<sherpa_store::PendingOwner>> {
        by.may(|u| u.may_administer())?;
        Ok(self.store.pending_owners().await?)
    }

    /// Gives the accounts waiting for an owner a file named (`name`, as the file wrote it) to a
    /// team member who goes by another name or email here (admins). Returns how many accounts
    /// they now own; each change is in the audit log.
    pub async fn assign_pending_owner(
        &self,
        by: &Caller,
        name: &str,
        member: &PersonRef,
    ) -> Result<usize> {
        by.may(|u| u.may_administer())?;
        let id = self
            .store
            .find_person(member)
            .await
            .map_err(|e| named("member", e))?;
        Ok(self
            .store
            .assign_pending_owner(&by.actor(), name, id)
            .await?)
    }

    async fn manager_email(&self, manager: Option<&PersonRef>) -> Result<Option<Email>> {
        let Some(person) = manager else {
            return Ok(None);
        };
        let id = self
            .store
            .find_person(person)
            .await
            .map_err(|e| named("manager", e))?;
        Ok(Some(self.store.user(id).await?.email))
    }
}

/// A person named in a field who is not on the team, as that field's refusal.
fn named(field: &str, e: sherpa_store::StoreError) -> Error {
    match e {
        sherpa_store::StoreError::Invalid { message, .. } => Error::invalid(field, message),
        e => e.into(),
    }
}

/// Hashes a password off the async threads (argon2 takes a while on purpose).
async fn hash(new: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .expect("hashing a password does not panic")
        .map_err(|e| Error::invalid("password", e.to_string()))
}
