//! `sherpa report KIND [--format table|json|csv|xlsx] [-o FILE]`: computed figures, as the pages
//! show them (`export` stays for records that can be imported back).

use sherpa_app::{
    AccuracyState, App, Caller, RetentionQuery, accuracy_table, parse_forecast_grain, parse_series,
};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// retention, renewals, waterfall, accuracy or adoption.
    pub kind: String,
    /// table, csv, json or xlsx.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Period length: month, quarter, year or week.
    #[arg(long)]
    pub grain: Option<String>,
    /// The first period is the one holding this day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// The last period is the one holding this day (YYYY-MM-DD; today at the latest).
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Retention by segment, tier, csm, industry or cohort.
    #[arg(long)]
    pub group_by: Option<String>,
    /// Renewals: terms ending within this many days (default 365).
    #[arg(long)]
    pub within_days: Option<i64>,
    /// Waterfall: renewals (default), nrr, grr, logo_churn, expansion, nps or adoption.
    #[arg(long)]
    pub series: Option<String>,
    /// Adoption: accounts of this tier (1 to 3).
    #[arg(long)]
    pub tier: Option<u8>,
    /// Adoption: accounts of this Pareto segment.
    #[arg(long)]
    pub segment: Option<u8>,
    /// Adoption: accounts of this industry.
    #[arg(long)]
    pub industry: Option<String>,
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    let app = App::new(crate::open(db).await?);
    let by = Caller::operator();
    let table = match args.kind.as_str() {
        "retention" => {
            let q = RetentionQuery::parse(
                args.grain.as_deref(),
                args.from,
                args.to,
                args.group_by.as_deref(),
            )?;
            app.retention(&by, &q).await?.table()
        }
        "renewals" => {
            app.learn_renewal_forecast_if_stale().await?;
            app.renewals(&by, args.within_days, false).await?.table()
        }
        "waterfall" => {
            app.learn_renewal_forecast_if_stale().await?;
            let series = parse_series(args.series.as_deref())?;
            let grain = parse_forecast_grain(args.grain.as_deref())?;
            app.waterfall(&by, series, grain).await?.table()
        }
        "accuracy" => {
            app.learn_renewal_forecast_if_stale().await?;
            match app.forecast_accuracy(&by).await? {
                AccuracyState::Ready {
                    currency, horizons, ..
                } => {
                    if args.format == "table" {
                        for h in &horizons {
                            eprintln!("{}", h.words());
                        }
                    }
                    accuracy_table(&horizons, currency)
                }
                AccuracyState::Computing => {
                    anyhow::bail!("the forecast accuracy could not be judged")
                }
            }
        }
        "adoption" => {
            let q = sherpa_store::MatrixQuery {
                tier: args.tier,
                segment: args.segment,
                industry: args.industry.clone(),
                limit: 5_000,
                ..Default::default()
            };
            let sheet = app.adoption_sheet(&by, &q).await?;
            // The spreadsheet is coloured as the page is: its own writer, not the plain table's.
            if args.format == "xlsx" {
                let bytes = sheet.xlsx()?;
                let rows = sheet.matrix.rows.len();
                return super::write_bytes(&bytes, rows, "adoption", args.output.as_deref());
            }
            sheet.table()
        }
        other => anyhow::bail!(
            "\"{other}\" is not a report; expected retention, renewals, waterfall, accuracy or adoption"
        ),
    };
    super::write_table(&table, &args.format, &args.kind, args.output.as_deref())
}
