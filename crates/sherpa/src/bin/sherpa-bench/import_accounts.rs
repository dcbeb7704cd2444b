//! `sherpa-bench import-accounts`: `sherpa import accounts` on a CRM export of 100,000 accounts,
//! run as the real command in a process of its own, then again on the same file (a re-import
//! that changes nothing), each against the floor measured in the same run: reading and
//! checking the same file once, in this process, as the command's first step does.
//!
//! ```sh
//! cargo run --release --bin sherpa-bench -- import-accounts --rows 100000
//! ```

use crate::harness::{bench_url, drop_bench_schema, run_measured, table_row};
use sherpa_core::*;
use std::io::Write;
use std::time::Instant;

#[derive(clap::Args)]
pub struct ImportAccountsArgs {
    /// Rows in the accounts file.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

/// The CSMs the file names by email.
const CSMS: usize = 40;

const INDUSTRIES: &[&str] = &[
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
];
const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "CA", "AU", "NL", "JP"];

/// A CRM export: every account with an id, a domain, an industry, a country, a size and a CSM;
/// one in twenty a subsidiary of an account above it, one in fifty owned by someone who is not
/// (yet) a team member, as real exports are.
fn write_file(path: &std::path::Path, rows: usize) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "external_id,name,domain,industry,country,employees,parent_external_id,csm_email"
    )?;
    for i in 0..rows {
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let parent = if i > 20 && i % 20 == 0 {
            format!("CRM-{:06}", (h as usize) % i)
        } else {
            String::new()
        };
        let csm = if i % 50 == 7 {
            "Former Colleague".to_string()
        } else {
            format!("csm.{}@bench.example", h % CSMS as u64)
        };
        writeln!(
            f,
            "CRM-{i:06},Company {i} Holdings,company{i}.example,{},{},{},{parent},{csm}",
            INDUSTRIES[(h >> 8) as usize % INDUSTRIES.len()],
            COUNTRIES[(h >> 16) as usize % COUNTRIES.len()],
            10 + (h >> 24) % 20_000,
        )?;
    }
    f.flush()?;
    Ok(())
}

pub async fn run(a: ImportAccountsArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = bench_url(&a.postgres, &dir, "accounts").await?;
    let store = sherpa_store::Store::open(&url, std::sync::Arc::new(SystemClock)).await?;
    for i in 0..CSMS {
        store
            .upsert_user(
                &Actor::system("bench"),
                &UserInput {
                    email: Email::parse(&format!("csm.{i}@bench.example")).expect("valid"),
                    name: format!("Bench CSM {i}"),
                    function: Function::Csm,
                    role: Role::Csm,
                    manager_email: None,
                    active: true,
                },
                None,
            )
            .await?;
    }
    store.close().await;
    let path = dir.path().join("accounts.csv");
    write_file(&path, a.rows)?;
    let engine = store.engine().name();
    println!(
        "engine {engine}: an accounts file of {} rows ({:.1} MB)",
        a.rows,
        std::fs::metadata(&path)?.len() as f64 / 1048576.0
    );

    // The floor: reading and checking the file once, nothing stored.
    let started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let file = import::ImportFile::read(
        import::ImportKind::Accounts,
        &bytes,
        &import::Mapping::default(),
        &[],
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let floor = started.elapsed().as_secs_f64();
    anyhow::ensure!(file.errors().is_empty(), "the file has errors");
    println!("floor (read and check once):   {floor:>7.2} s");

    let sherpa = std::env::current_exe()?
        .parent()
        .map(|d| d.join("sherpa"))
        .ok_or_else(|| anyhow::anyhow!("no directory for the sherpa binary"))?;
    for (what, expect) in [("import", "created"), ("re-import", "unchanged")] {
        let (peak_mb, secs, out) = run_measured(
            std::process::Command::new(&sherpa)
                .args(["--db", &url, "import", "accounts"])
                .arg(&path),
        )?;
        let first = out.lines().next().unwrap_or_default();
        anyhow::ensure!(
            first.contains(&format!("{} {expect}", a.rows)),
            "the {what} did not report {} {expect}: {first}",
            a.rows
        );
        println!(
            "sherpa import accounts, {what:<9} {secs:>7.2} s ({:.0} rows/s), ratio to floor {:.1}, peak memory {peak_mb:.0} MB",
            a.rows as f64 / secs,
            secs / floor
        );
        table_row(
            engine,
            &format!("accounts file of {} rows, {what}", a.rows),
            &format!("{secs:.2} s, {peak_mb:.0} MB"),
            if what == "import" { "<= 3 s" } else { "< 1 s" },
            &format!("{floor:.2} s"),
            Some(secs / floor),
        );
    }
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "accounts").await?;
    }
    Ok(())
}
