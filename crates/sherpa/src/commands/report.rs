//! `sherpa report KIND [--format table|json|csv|xlsx] [-o FILE]`: computed figures, as the pages
//! show them (`export` stays for records that can be imported back).

use sherpa_app::{App, Caller, RetentionQuery};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// retention.
    pub kind: String,
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
        other => anyhow::bail!("\"{other}\" is not a report; expected retention"),
    };
    super::write_table(&table, &args.format, &args.kind, args.output.as_deref())
}
