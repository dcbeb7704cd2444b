//! `sherpa erase contact ID --reason TEXT`: an erasure request, as the operator. The contact
//! stays as "Erased contact"; everything that names them goes (see `sherpa erase --help`).

use sherpa_app::Caller;
use sherpa_core::ContactId;

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
}

pub async fn run(db: &str, cmd: EraseCommand) -> anyhow::Result<()> {
    let EraseCommand::Contact { id, reason } = cmd;
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
