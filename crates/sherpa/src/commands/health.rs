//! `sherpa health recompute`: re-scores every account from its kept metrics by the scorecard
//! its rule assigns now (what a scorecard change runs), or with `--rebuild` first works every
//! account's metrics out again from the book. `sherpa health backtest`: how well the scores
//! accounts had before their terms ended told renewal from churn.

use sherpa_app::Caller;
use sherpa_core::health::Backtest;
use std::time::Instant;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(clap::Subcommand)]
pub enum HealthCommand {
    /// Re-score every account; say how many moved and changed colour.
    Recompute {
        /// Work the metrics out again from usage, tickets, surveys, activities, contacts and
        /// contracts first (what the daily job does), instead of re-scoring the kept ones.
        #[arg(long)]
        rebuild: bool,
    },
    /// Score every contract term with a known outcome as of some days before it ended, from
    /// what was dated then, and measure how well the scores told renewal from churn.
    Backtest {
        /// Days before each term's end to score the account as of.
        #[arg(long, default_value_t = 90)]
        horizon_days: u32,
        /// table or json.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub async fn run(db: &str, cmd: HealthCommand) -> anyhow::Result<()> {
    let app = crate::app(db).await?;
    let store = app.store();
    match cmd {
        HealthCommand::Backtest {
            horizon_days,
            format,
        } => {
            let started = Instant::now();
            // Computed here and kept, so the page and the API show this very result.
            let b = store.refresh_backtest(horizon_days).await?.backtest;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
                Format::Table => {
                    print!("{}", table(&b));
                    eprintln!("back-tested in {} ms", started.elapsed().as_millis());
                }
            }
        }
        HealthCommand::Recompute { rebuild } => {
            let started = Instant::now();
            let rescored = app.rescore_book(&Caller::operator(), rebuild).await?;
            let (done, never) = (rescored.done, rescored.never_computed);
            println!(
                "{} accounts scored in {} ms: {} moved, {} changed colour{}",
                done.accounts,
                started.elapsed().as_millis(),
                done.moved,
                done.colour_changes,
                if never > 0 {
                    format!("; {never} had no metrics yet and were computed from the book")
                } else {
                    String::new()
                }
            );
        }
    }
    store.close().await;
    Ok(())
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// "AUC 0.81 (0.76-0.85)", or "-" without one.
fn auc_range(a: Option<sherpa_core::health::Auc>) -> String {
    a.map_or("-".to_string(), |a| {
        format!("AUC {:.2} ({:.2}-{:.2})", a.value, a.low, a.high)
    })
}

/// The back-test as a person reads it in a terminal.
fn table(b: &Backtest) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Health back-test: {} contract terms with a known outcome, each account scored as of {} days before its term ended ({} had no score then; {} younger terms scored at their start; {} left out, shorter than a week).\n{}\n",
        b.terms, b.horizon_days, b.unscored, b.at_start, b.left_out, b.verdict
    );
    let _ = writeln!(
        out,
        "{:<8} {:>6} {:>8} {:>11} {:>8}  {:<22} {:>9}",
        "colour", "terms", "renewed", "contracted", "churned", "renewal rate (95%)", "predicted"
    );
    for r in &b.by_colour {
        let actual = r.actual.map_or("-".to_string(), |a| {
            format!("{} ({}-{})", pct(a.value), pct(a.low), pct(a.high))
        });
        let _ = writeln!(
            out,
            "{:<8} {:>6} {:>8} {:>11} {:>8}  {:<22} {:>9}",
            r.colour.as_str(),
            r.terms,
            r.renewed,
            r.contracted,
            r.churned,
            actual,
            r.predicted.map_or("-".to_string(), pct)
        );
    }
    if !b.deciles.is_empty() {
        let _ = writeln!(out, "\nLift by decile, lowest scores first:");
        for (i, d) in b.deciles.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. scores {:>5.1} to {:>5.1}: {:>4} terms, churn {:>4}, lift {:.1}",
                i + 1,
                d.score_from,
                d.score_to,
                d.n,
                pct(d.churn_rate),
                d.lift
            );
        }
    }
    let _ = writeln!(out, "\nHow early the score warns:");
    for h in &b.horizons {
        let auc = auc_range(h.auc);
        let _ = writeln!(
            out,
            "  {:>3} days before the end: {:>5} terms, {auc}",
            h.days, h.terms
        );
    }
    let _ = writeln!(
        out,
        "\nEvery metric on its own, strongest first (intervals clustered by account; directions Holm-corrected):"
    );
    for f in &b.factors {
        let auc = auc_range(f.auc);
        let _ = writeln!(
            out,
            "  {:<34} {:<13} {:>5} known  {:<24} {}",
            f.name,
            if f.in_scorecard {
                "in scorecard"
            } else {
                "not used"
            },
            f.known,
            auc,
            f.direction
        );
    }
    match &b.suggestion {
        None => {
            let _ = writeln!(
                out,
                "\nNo weights suggested: too few renewed or churned terms to fit them."
            );
        }
        Some(s) => {
            let folds =
                |a: Option<sherpa_core::health::AcrossFolds>| a.map_or("-".into(), |a| a.text());
            let _ = writeln!(
                out,
                "\nSuggested weights for {} (fitted on {} terms of {} accounts; on held-out folds of accounts: AUC {} as it is, {} suggested):",
                s.scorecard,
                s.terms,
                s.accounts,
                folds(s.current),
                folds(s.suggested)
            );
            for w in &s.weights {
                let _ = writeln!(
                    out,
                    "  {:<34} {:>5} -> {}",
                    w.name,
                    w.now,
                    if !w.fitted && w.suggested == w.now {
                        format!("{} (too rarely known to fit: kept)", w.now)
                    } else if !w.fitted {
                        "drop (the same on nearly every term)".into()
                    } else if w.suggested > 0.0 {
                        w.suggested.to_string()
                    } else {
                        "drop".into()
                    }
                );
            }
            let _ = writeln!(out, "{}", s.why);
            if s.offered {
                let _ = writeln!(
                    out,
                    "Nothing changes until a person confirms: \"Use these weights\" on the back-test page, or edit [health] in `sherpa config`."
                );
            }
        }
    }
    out
}
