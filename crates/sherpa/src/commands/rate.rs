//! `sherpa rate set|list`: exchange rates into the reporting currency (USD), so that terms in
//! other currencies count toward account ARR and totals.

use rust_decimal::Decimal;
use sherpa_core::*;
use std::str::FromStr;

#[derive(clap::Subcommand)]
pub enum RateCommand {
    /// Set how much one unit of CURRENCY is worth in the reporting currency: `rate set EUR 1.0834`.
    Set {
        /// An ISO 4217 code, like EUR.
        currency: String,
        /// Its worth in the reporting currency, a decimal like 1.0834.
        rate: String,
    },
    /// List the rates.
    List,
}

pub async fn run(db: &str, cmd: RateCommand) -> anyhow::Result<()> {
    let app = crate::app(db).await?;
    let store = app.store();
    match cmd {
        RateCommand::Set { currency, rate } => {
            let currency = Currency::parse(&currency)?;
            let rate = Decimal::from_str(rate.trim())
                .map_err(|_| anyhow::anyhow!("\"{rate}\" is not a decimal rate like 1.0834"))?;
            app.set_exchange_rate(&sherpa_app::Caller::operator(), currency, rate)
                .await?;
            println!(
                "1 {currency} = {rate} {}; account ARR refreshed",
                store.currency()
            );
        }
        RateCommand::List => {
            for (c, r) in store.exchange_rates().await? {
                println!("1 {c} = {r} {}", store.currency());
            }
        }
    }
    Ok(())
}
