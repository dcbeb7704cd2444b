//! `sherpa field add|list`: custom account fields, typed, defined by an admin. Imports fill them
//! from `custom.<key>` columns; the API reads and writes them under `custom`.

use sherpa_core::*;

#[derive(clap::Subcommand)]
pub enum FieldCommand {
    /// Define a custom account field.
    Add {
        /// Lower-case letters, digits and _, like renewal_risk.
        key: String,
        /// text, number, money, date or yes_no.
        #[arg(long)]
        kind: String,
        /// The name people see; defaults to the key.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List the custom account fields.
    List,
}

pub async fn run(db: &str, cmd: FieldCommand) -> anyhow::Result<()> {
    let app = crate::app(db).await?;
    let store = app.store();
    match cmd {
        FieldCommand::Add { key, kind, label } => {
            let kind: FieldKind = kind.parse()?;
            let def =
                CustomFieldDef::new(&key, &label, kind).map_err(|e| anyhow::anyhow!("{e}"))?;
            app.define_custom_field(&sherpa_app::Caller::operator(), &def)
                .await?;
            println!(
                "custom field {} ({}) defined; import it from a custom.{} column",
                def.key, def.kind, def.key
            );
        }
        FieldCommand::List => {
            for d in store.custom_fields().await? {
                println!("{}\t{}\t{}", d.key, d.kind, d.label);
            }
        }
    }
    Ok(())
}
