//! `sherpa-bench effectiveness`: phases and the adoption matrix at the size of a large book
//! (100,000 accounts by 50 features by default), from the kept metrics and feature use (what
//! the daily rollups give), never raw events. Reported as ratios to a full health recompute of
//! the same accounts in the same run:
//!
//! - phases: every account judged again by a model of 5 phases and 51 behaviours, after every
//!   account's metrics and feature use were replaced (untimed), so that phases move and are
//!   written; the first run, which takes every baseline, is reported on its own;
//! - whitespace: every account's paid-for features nobody used, worked out again;
//! - matrix pages: 50 accounts a page, unfiltered and filtered by tier, first pages and the
//!   pages after them, one request at a time: p50 and p99.
//!
//! SQLite by default (a fresh temporary file); `--postgres URL` uses a new schema there.

use crate::harness::{bench_database, drop_bench_schema, median, percentile, table_row};
use crate::health::full_metrics;
use sherpa_app::{App, Caller, matrix_query};
use sherpa_core::adoption::{AdoptionConfig, FeatureSetting};
use sherpa_core::assignment::AssignmentRule;
use sherpa_core::effectiveness::{
    Behaviour, DEFAULT_PHASE_DAYS, EffectivenessConfig, EffectivenessModel, FeatureUse, Phase,
};
use sherpa_core::*;
use sherpa_store::{PhaseMove, Store};
use std::time::Instant;

#[derive(clap::Args)]
pub struct EffectivenessArgs {
    /// Accounts in the demo book.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: usize,
    /// Features in the catalogue, all of them behaviours of the model.
    #[arg(long, default_value_t = 50)]
    pub features: usize,
    /// Timed runs of each recompute after the first; the medians are reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Matrix pages asked for.
    #[arg(long, default_value_t = 400)]
    pub pages: usize,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

pub async fn run(a: EffectivenessArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = bench_database(&a.postgres, &dir, "effectiveness").await?;
    let result = bench(&a, &store).await;
    store.close().await;
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "effectiveness").await?;
    }
    result
}

fn feature(k: usize) -> String {
    format!("Feature {:02}", k + 1)
}

/// A hash of an account, a round and a feature: the synthetic book's only randomness.
fn mix(id: AccountId, round: u64, k: usize) -> u64 {
    (id.0 as u64 ^ (round << 40) ^ ((k as u64) << 20)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33
}

/// Who used each feature in 30 days, and the seats, different for each `round`: about a
/// third of the features unused at each account.
fn feature_use(id: AccountId, round: u64, features: usize) -> FeatureUse {
    let seats = 10 + (mix(id, 0, 999) % 190) as i64;
    let users = (0..features)
        .filter_map(|k| {
            let h = mix(id, round, k);
            (!h.is_multiple_of(3)).then(|| (feature(k), (h % (seats as u64 + 1)) as u32))
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    FeatureUse {
        seats: Some(seats),
        users,
    }
}

/// Five phases; each marked by a tenth of the features (people at first, then a share of the
/// seats), the first also by a health metric.
fn model(features: usize) -> EffectivenessConfig {
    let per = features.div_ceil(5);
    let phases = (0..5)
        .map(|p| {
            let mut behaviours: Vec<Behaviour> = (p * per..((p + 1) * per).min(features))
                .map(|k| Behaviour {
                    name: format!("Uses {}", feature(k)),
                    feature: Some(feature(k)),
                    users_at_least: (p < 2).then_some(1 + p as u32 * 2),
                    seats_percent_at_least: (p >= 2).then_some(5.0 * p as f64),
                    ..Behaviour::default()
                })
                .collect();
            if p == 0 {
                behaviours.push(Behaviour {
                    name: "Active".into(),
                    metric: Some("active_users_30d".into()),
                    at_least: Some(1.0),
                    ..Behaviour::default()
                });
            }
            Phase {
                name: format!("Phase {}", p + 1),
                description: String::new(),
                behaviours,
            }
        })
        .collect();
    EffectivenessConfig {
        rules: vec![AssignmentRule {
            when: Default::default(),
            then: "Bench".into(),
        }],
        models: vec![EffectivenessModel {
            name: "Bench".into(),
            description: String::new(),
            met_percent: 80,
            phase_days: DEFAULT_PHASE_DAYS,
            phases,
        }],
    }
}

async fn bench(a: &EffectivenessArgs, store: &Store) -> anyhow::Result<()> {
    crate::harness::load_book(store, a.accounts, "effectiveness").await?;
    let actor = Actor::system("bench");
    for k in 0..a.features {
        store
            .set_feature(&actor, &feature(k), &feature(k), k % 10 == 0)
            .await?;
    }
    // A fifth of the features come with the largest offering only; the rest with all.
    let offerings = store.offerings().await?;
    let adoption = AdoptionConfig {
        features: (0..a.features)
            .map(|k| FeatureSetting {
                feature: feature(k),
                function: format!("Function {}", k / 5 + 1),
                products: match offerings.last() {
                    Some(o) if k >= a.features * 4 / 5 => vec![o.clone()],
                    _ => Vec::new(),
                },
            })
            .collect(),
    };
    store
        .set_adoption_config(&actor, &adoption, "bench")
        .await?;
    store
        .set_effectiveness_config(&actor, &model(a.features), "bench")
        .await?;

    let ids: Vec<AccountId> = (1..=a.accounts as i64).map(AccountId).collect();
    // Churned accounts are not judged.
    let customers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE COALESCE(lifecycle, '') <> 'churned'",
    )
    .fetch_one(store.pool())
    .await?;
    let (mut health, mut phases, mut whitespace) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=a.repeats.max(1) as u64 {
        let metrics = full_metrics(&ids, round);
        let used: Vec<FeatureUse> = ids
            .iter()
            .map(|id| feature_use(*id, round, a.features))
            .collect();
        let measures: Vec<_> = metrics
            .iter()
            .zip(&used)
            .map(|((id, m), u)| (*id, m, Some(u)))
            .collect();
        store.keep_health_measures(&measures).await?;
        let t = Instant::now();
        store.recompute_health().await?;
        let h = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let run = store.assess_effectiveness(None, PhaseMove::ByData).await?;
        let p = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        store.keep_whitespace(None).await?;
        let w = t.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(
            run.accounts as i64 == customers,
            "judged {} of {customers} customers",
            run.accounts
        );
        println!(
            "  round {round}: health recompute {h:.0} ms; phases {p:.0} ms ({} baselines, {} \
             changes); whitespace {w:.0} ms",
            run.baselines, run.changes
        );
        if round == 0 {
            println!("  (round 0 takes every account's baseline: not in the medians)");
            continue;
        }
        health.push(h);
        phases.push(p);
        whitespace.push(w);
    }
    let (h, p, w) = (median(health), median(phases), median(whitespace));
    let engine = store.engine().name();
    let n = a.accounts;
    println!("medians: health recompute {h:.0} ms; phases {p:.0} ms; whitespace {w:.0} ms");
    table_row(
        engine,
        &format!("phases recomputed, {n} accounts x {} features", a.features),
        &format!("{p:.0} ms"),
        "<= 1000 ms",
        &format!("health recompute {h:.0} ms"),
        Some(p / h),
    );
    table_row(
        engine,
        &format!("whitespace recomputed, {n} accounts"),
        &format!("{w:.0} ms"),
        "-",
        &format!("health recompute {h:.0} ms"),
        Some(w / h),
    );

    // Matrix pages: the first of each filter, then the pages after the unfiltered first.
    let app = App::new(store.clone());
    let by = Caller::operator();
    let mut times = Vec::new();
    let mut cursor: Option<String> = None;
    for i in 0..a.pages {
        let tier = [None, Some(1), Some(2), Some(3)][i % 4];
        let after = if tier.is_none() { cursor.clone() } else { None };
        let q = matrix_query(None, tier, None, None, after.as_deref(), 50)
            .map_err(|(f, why)| anyhow::anyhow!("{f}: {why}"))?;
        let t = Instant::now();
        let page = app.adoption_matrix(&by, &q).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!page.rows.is_empty(), "an empty matrix page");
        if tier.is_none() {
            cursor = page.next_cursor();
        }
    }
    times.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "matrix pages of 50 accounts x {} features: {} requests, p50 {p50:.1} ms, p99 {p99:.1} ms",
        a.features, a.pages
    );
    table_row(
        engine,
        &format!(
            "adoption matrix page p99, {n} accounts x {} features",
            a.features
        ),
        &format!("{p99:.1} ms"),
        "<= 100 ms",
        &format!("health recompute {h:.0} ms"),
        Some(p99 / h),
    );
    Ok(())
}
