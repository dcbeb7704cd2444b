//! `sherpa erase contact|account ID --reason TEXT`: an erasure request or an account's
//! deletion, as the operator, through the same use cases as the API and the web.

use sherpa_app::Caller;
use sherpa_core::{AccountId, ContactId};

#[derive(clap::Subcommand)]
pub enum EraseCommand {
    /// Erase a person at their request: their contact's name, email, title, CRM id and roles,
    /// the audit log's copies of them, the address and text of emails Sherpa wrote them (a
    /// queued one is not sent) and the traits on their product usage events. The contact stays
    /// as "Erased contact", so meetings, survey answers and usage still count for the account;
    /// an unsubscribe is kept. Audited with the reason; it cannot be undone.
    Contact {
        /// The contact's Sherpa id (`sherpa export contacts` lists them).
        id: String,
        /// The request as received ("GDPR request #1234 by email"), kept in the audit log.
        #[arg(long)]
        reason: String,
    },
    /// Delete an account and everything that hangs off it: contacts, contract terms,
    /// activities, tasks, tickets, surveys, health, plans and usage. Its contacts' copies in
    /// the audit log are erased; the log keeps the account's own entries and this deletion.
    /// Subsidiaries stay, without a parent. Audited with the reason; it cannot be undone.
    Account {
        /// The account's Sherpa id (`sherpa export accounts` lists them).
        id: String,
        /// Why: a customer's request, a duplicate, a test account.
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(db: &str, cmd: EraseCommand) -> anyhow::Result<()> {
    let (id, reason) = match cmd {
        EraseCommand::Contact { id, reason } => (id, reason),
        EraseCommand::Account { id, reason } => return delete_account(db, &id, &reason).await,
    };
    let id: ContactId = id
        .parse()
        .map_err(|e: sherpa_core::Invalid| anyhow::anyhow!("{}", e.0))?;
    let app = crate::app(db).await?;
    let done = app.erase_contact(&Caller::operator(), id, &reason).await?;
    println!(
        "contact {id} erased: {} audit entries, {} emails and {} usage events no longer name them",
        done.audit_entries, done.sends, done.events
    );
    Ok(())
}

async fn delete_account(db: &str, id: &str, reason: &str) -> anyhow::Result<()> {
    let id: AccountId = id
        .parse()
        .map_err(|e: sherpa_core::Invalid| anyhow::anyhow!("{}", e.0))?;
    let app = crate::app(db).await?;
    let done = app.delete_account(&Caller::operator(), id, reason).await?;
    println!(
        "account {id} ({}) deleted with its {} contacts, {} contract terms and {} usage events; \
         {} subsidiaries now have no parent",
        done.name, done.contacts, done.terms, done.events, done.subsidiaries
    );
    Ok(())
}
