//! `sherpa demo`: a deterministic, realistic book in a fresh database, then serve it.

use sherpa_core::TokenScope;
use sherpa_core::demo::DemoBook;
use std::net::SocketAddr;
use std::time::Instant;

/// The demo users' shared password; printed so that a person can log in.
const DEMO_PASSWORD: &str = "sherpa-demo-password";

#[derive(clap::Args)]
pub struct Args {
    /// Accounts in the demo book (with their contacts, contracts, usage, tickets and surveys).
    #[arg(long, default_value_t = 2_000)]
    pub accounts: usize,
    /// The same seed makes the same book.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Load the book and stop.
    #[arg(long)]
    pub no_serve: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub outreach: super::serve::Outreach,
    #[command(flatten)]
    pub proxies: super::serve::Proxies,
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    // A mistyped proxy is refused before anything is opened.
    let trusted = args.proxies.trusted()?;
    if args.accounts == 0 || args.accounts > 1_000_000 {
        anyhow::bail!("--accounts must be between 1 and 1000000");
    }
    let store = crate::open(db).await?;
    let book = DemoBook::new(args.accounts, args.seed, store.clock().today());
    let admin = &book.team.users[0];
    let (accounts, users) = store.book_size().await?;
    if accounts == 0 && users == 0 {
        let started = Instant::now();
        let bar = super::progress(args.accounts as u64, "accounts");
        // Demo users share one hash: hashing thousands of passwords would take minutes.
        let hash = sherpa_app::password::hash(DEMO_PASSWORD)?;
        store
            .load_demo(&book, &hash, &|done, _| bar.set_position(done as u64))
            .await?;
        bar.finish_and_clear();
        let book_secs = started.elapsed().as_secs_f64();
        let voice_started = Instant::now();
        let voice = store.load_demo_voice(&book).await?;
        println!(
            "demo book loaded in {book_secs:.1} s: {} accounts, {} team members, seed {} ({})",
            args.accounts,
            book.team.users.len(),
            args.seed,
            store.display_url()
        );
        println!(
            "customer voice and usage in {:.1} s: {} tickets, {} survey answers, a year of usage ({} account-days as daily rollups), {} events of the last 14 days for {} accounts (through the intake)",
            voice_started.elapsed().as_secs_f64(),
            voice.tickets,
            voice.surveys,
            voice.usage_days,
            voice.events,
            voice.usage_accounts
        );
        // Success plans of most Tier 1 and Tier 2 customers, with their history.
        let plans_started = Instant::now();
        let app = sherpa_app::App::new(store.clone());
        let plans = app.load_demo_plans(&book).await?;
        println!(
            "success plans in {:.1} s: {plans} plans with their objectives' values, steps and blockers",
            plans_started.elapsed().as_secs_f64()
        );
        // Health as it stood each week of the last quarter, then today's.
        let health_started = Instant::now();
        let today = store.clock().today();
        let weeks = sherpa_core::demo::health_weeks(today);
        // The scorecards it is scored by are a version from the first day, so that a later
        // release's new ones are marked where they move colours.
        store.follow_builtin_health_config().await?;
        let past = store.backfill_health_snapshots(&weeks).await?;
        let now = store.rebuild_health().await?;
        store.snapshot_health_daily().await?;
        println!(
            "health in {:.1} s: {} accounts scored, {past} weekly snapshots of the last quarter",
            health_started.elapsed().as_secs_f64(),
            now.accounts
        );
        // Effectiveness: the demo product's model, each account's phase each week of the
        // quarter from those snapshots and the week's feature use, then today's.
        let effectiveness_started = Instant::now();
        let judged = app.load_demo_effectiveness(&book, &voice).await?;
        println!(
            "effectiveness in {:.1} s: {} accounts judged, {} phase changes today",
            effectiveness_started.elapsed().as_secs_f64(),
            judged.accounts,
            judged.changes
        );
        // The plans' objectives read from the product's data, now that health has its metrics.
        let measured = app.measure_plans().await?;
        println!("success plans: {measured} objective values read from Sherpa's metrics");
        // The CSMs' calls on the renewals of the next six months, from what they see today.
        let called = app.load_demo_renewal_calls().await?;
        println!("renewals: {called} calls made on the renewals of the next six months");
        let engaged = engage(&store).await?;
        println!("{engaged}");
        // The health back-test and the renewal probabilities each read a year of history at
        // past dates (on 2,000 accounts, three seconds side by side). They are daily jobs, which
        // a server runs as it starts on a day they have not run: computed here they were
        // computed twice, and stood between the command and the first page. Their pages say
        // they are being computed until they are.
        println!(
            "the health back-test and the renewal probabilities: computed by the server's daily jobs as it starts"
        );
        println!(
            "the demo book is ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else if store.user_by_email(&admin.email).await?.is_some() {
        // Running the README's command again serves the book it loaded the first time.
        println!(
            "{} already holds a book of {accounts} accounts; serving it as it is",
            store.display_url()
        );
    } else {
        anyhow::bail!(
            "{} already holds {accounts} accounts and {users} users that are not the demo's; \
             the demo needs an empty database (use --db with a new path)",
            store.display_url()
        );
    }
    let user = store
        .user_by_email(&admin.email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo admin is missing"))?;
    let token = store
        .create_token(
            &sherpa_core::Actor::system("demo"),
            user.id,
            TokenScope::Api,
            "demo",
        )
        .await?;
    println!("web UI: http://{}/", args.bind);
    println!("  sign in as the admin: {} / {DEMO_PASSWORD}", admin.email);
    // A CSM with a book of their own, so that "My book" has something to show.
    let csms: Vec<_> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == sherpa_core::Role::Csm && u.active)
        .collect();
    let ids: Vec<_> = csms.iter().map(|u| u.id).collect();
    let sizes = store.book_sizes(&ids).await?;
    if let Some(csm) = csms
        .iter()
        .find(|u| sizes.iter().any(|b| b.user_id == u.id && b.accounts > 0))
    {
        println!("  or as a CSM:          {} / {DEMO_PASSWORD}", csm.email);
        // Their private calendar feed, to subscribe to from any calendar (a new one each start).
        let feed = store
            .issue_calendar_feed(&sherpa_core::Actor::system("demo"), csm.id)
            .await?;
        println!(
            "  calendar feed of {}: http://{}/calendar/{}.ics",
            csm.email, args.bind, feed.secret
        );
    }
    println!("API token (admin): {}", token.secret);
    let ingest = store
        .create_token(
            &sherpa_core::Actor::system("demo"),
            user.id,
            TokenScope::Ingest,
            "demo intake",
        )
        .await?;
    println!(
        "Segment write key (ingest token): {} (send events to http://{}/v1/batch)",
        ingest.secret, args.bind
    );
    println!(
        "try: curl -H 'Authorization: Bearer {}' 'http://{}/api/v1/accounts?sort=-arr&limit=5'",
        token.secret, args.bind
    );
    if args.no_serve {
        // The intake's held rollups are written now, not left to the next command.
        store.close().await;
        return Ok(());
    }
    println!("serving on http://{} (Ctrl-C to stop)", args.bind);
    sherpa_server::serve(store, args.bind, args.outreach.settings(args.bind), trusted).await
}

/// The engagement engine's first sweep: today's moments and the milestones the book's history
/// already completed. Answers what it did.
async fn engage(store: &sherpa_store::Store) -> anyhow::Result<String> {
    let started = Instant::now();
    let swept = store.run_engagement().await?;
    Ok(format!(
        "engagement in {:.1} s: {} moments fired, {} tasks opened, {} onboarding milestones found completed",
        started.elapsed().as_secs_f64(),
        swept.fired,
        swept.tasks_opened,
        swept.milestones_completed
    ))
}
