//! The first page after sign-in, one for each role: a CSM's day, a leader's book and an admin's
//! system. Each is read from what the book already keeps, as short lists and figures a person
//! acts on; the web page and the API answer from the same read.

use crate::{App, Caller, Renewal, Result};
use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use sherpa_core::health::Colour;
use sherpa_core::plan::ObjectiveStatus;
use sherpa_core::prioritise::PERSONAL_TOUCH;
use sherpa_core::revenue::{RenewalOutcome, RetentionTerm, arr_on, renewal_outcome};
use sherpa_core::*;
use sherpa_store::{
    AccountQuery, ColourDay, ColourMove, IntakeStatus, JobQueue, OutboxCounts, PastLoad,
    SourceFreshness,
};
use std::collections::{BTreeMap, HashSet};

/// How far ahead a CSM's day looks for renewals.
pub const TODAY_RENEWAL_DAYS: i64 = 90;
/// How far back "changed colour this week" looks.
pub const MOVED_DAYS: u64 = 7;
/// How far ahead a leader's home looks for renewals: two quarters.
pub const LEADER_RENEWAL_DAYS: i64 = 182;
/// How far back the health mix's trend goes.
pub const TREND_DAYS: u64 = 90;

/// A task of the day, with its account's name.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTask {
    pub task: Task,
    pub account: String,
}

/// An account whose success plan slips: objectives at risk or off track, or its monthly update or
/// quarterly refresh past due.
#[derive(Debug, Clone, PartialEq)]
pub struct Slipping {
    pub account: AccountId,
    pub name: String,
    /// The objectives at risk or off track, by their titles.
    pub objectives: Vec<(String, ObjectiveStatus)>,
    /// The day its update or refresh was due, when that has passed.
    pub rhythm_due: Option<NaiveDate>,
}

/// A CSM's day.
#[derive(Debug, Clone, PartialEq)]
pub struct Today {
    pub today: NaiveDate,
    /// Tasks due before today, the personal touches aside.
    pub overdue: Vec<DayTask>,
    pub due_today: Vec<DayTask>,
    /// Accounts whose tier's cadence wants a personal touch by today and has none yet.
    pub touches: Vec<DayTask>,
    /// Renewals of their accounts in the next [`TODAY_RENEWAL_DAYS`], soonest first.
    pub renewals: Vec<Renewal>,
    /// Their accounts whose colour changed in the last [`MOVED_DAYS`], the worse first.
    pub moved: Vec<ColourMove>,
    pub slipping: Vec<Slipping>,
}

/// Accounts and ARR of one health colour (none: not scored).
#[derive(Debug, Clone, PartialEq)]
pub struct ColourShare {
    pub colour: Option<Colour>,
    pub accounts: i64,
    pub arr: Money,
}

/// The ARR of a mix of colours, and of it the part on the colours the team counts at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrAtRisk {
    pub total: Decimal,
    pub at_risk: Decimal,
}

impl ArrAtRisk {
    pub fn of(mix: &[ColourShare], at_risk: &[Colour]) -> ArrAtRisk {
        let sum = |counted: &dyn Fn(&ColourShare) -> bool| {
            mix.iter()
                .filter(|m| counted(m))
                .map(|m| m.arr.amount)
                .sum::<Decimal>()
        };
        ArrAtRisk {
            total: sum(&|_| true),
            at_risk: sum(&|m| m.colour.is_some_and(|c| at_risk.contains(&c))),
        }
    }

    /// The share at risk in whole percent; none without ARR.
    pub fn percent(&self) -> Option<Decimal> {
        (!self.total.is_zero()).then(|| (self.at_risk / self.total * Decimal::from(100)).round())
    }
}

/// What renews in a month, or under one owner: every renewal, the ARR on accounts of a colour
/// the team counts at risk, and the ARR the probability table expects to renew.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenewalRisk {
    pub renewals: usize,
    pub arr: Decimal,
    pub at_risk: Decimal,
    /// Renewals on accounts at risk.
    pub at_risk_count: usize,
    /// ARR times the chance of each renewal that has one.
    pub expected: Decimal,
    /// Renewals without a chance (a colour or distance the table has no figure for).
    pub unmodelled: usize,
}

impl RenewalRisk {
    /// Counts a renewal; `at_risk`: the colours the team counts at risk (its at-risk
    /// playbook's).
    fn add(&mut self, r: &Renewal, at_risk: &[Colour]) {
        let arr = r.stored.reporting_arr.map(|m| m.amount).unwrap_or_default();
        self.renewals += 1;
        self.arr += arr;
        // A renewal whose next term is signed is no longer at risk, whatever its colour.
        if r.stored.signed {
            self.expected += arr;
            return;
        }
        if r.stored.colour.is_some_and(|c| at_risk.contains(&c)) {
            self.at_risk += arr;
            self.at_risk_count += 1;
        }
        match r.probability {
            Some(p) => self.expected += arr * p,
            None => self.unmodelled += 1,
        }
    }
}

/// One team member's load.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberLoad {
    pub owner: UserId,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub due_this_week: i64,
    /// Personal touches their accounts' cadences wanted and did not get.
    pub overdue_touches: i64,
}

/// A leader's home.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderHome {
    pub today: NaiveDate,
    pub currency: Currency,
    /// The book's ARR by colour now, green first, the unscored last.
    pub mix: Vec<ColourShare>,
    pub accounts: i64,
    pub arr: Money,
    /// Renewals of the next [`LEADER_RENEWAL_DAYS`], by the month they fall in.
    pub months: Vec<(NaiveDate, RenewalRisk)>,
    /// The same renewals by their CSM (none: no CSM), the most ARR at risk first.
    pub owners: Vec<(Option<String>, RenewalRisk)>,
    pub horizon: RenewalRisk,
    /// The colours counted at risk: those the at-risk playbook opens on.
    pub at_risk_colours: Vec<Colour>,
    /// Colour changes since the daily snapshot of [`MOVED_DAYS`] ago, the worse first.
    pub moved_since: Option<NaiveDate>,
    pub moved: Vec<ColourMove>,
    pub loads: Vec<MemberLoad>,
    /// The health mix by day over the last [`TREND_DAYS`].
    pub trend: Vec<ColourDay>,
    /// ARR by colour at the end of each of the last [`TREND_QUARTERS`] quarters the health
    /// history reaches, the oldest first: each account's colour that day, its ARR that day.
    pub quarters: Vec<QuarterMix>,
}

/// How many past quarters the leader's trend goes back.
pub const TREND_QUARTERS: u32 = 4;

/// The book's ARR by colour at a quarter's end.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarterMix {
    /// "Q3 2026".
    pub label: String,
    /// The quarter's last day, and the day of the snapshots read for it (the latest on or
    /// before it).
    pub end: NaiveDate,
    pub read_on: NaiveDate,
    pub mix: Vec<ColourShare>,
    /// How the renewals that fell due in the quarter came out.
    pub renewals: RenewalOutcome,
    /// The team's tasks over the quarter; none before Sherpa held any.
    pub load: Option<PastLoad>,
}

/// An admin's home: whether the book's data still arrives, the intake, the background jobs,
/// the outbox and the team's accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminHome {
    pub now: chrono::DateTime<chrono::Utc>,
    /// Each source's last write.
    pub sources: Vec<SourceFreshness>,
    pub intake: IntakeStatus,
    /// Events accepted and refused in the last hour.
    pub last_hour: (i64, i64),
    pub jobs: JobQueue,
    pub outbox: OutboxCounts,
    /// Active team members by role, and how many are deactivated.
    pub roles: Vec<(Role, usize)>,
    pub inactive: usize,
}

/// The colours in the order a mix shows them.
const COLOURS: [Colour; 4] = [Colour::Green, Colour::Yellow, Colour::Orange, Colour::Red];

impl App {
    /// The signed-in person's day: tasks due, touches their cadences want, renewals ahead,
    /// accounts that changed colour this week and plans that slip, all of their own accounts.
    pub async fn today(&self, by: &Caller) -> Result<Today> {
        let me = by.person()?.id;
        let today = self.today_of(by.person()?).await?;
        let mut out = Today {
            today,
            overdue: Vec::new(),
            due_today: Vec::new(),
            touches: Vec::new(),
            renewals: Vec::new(),
            moved: Vec::new(),
            slipping: Vec::new(),
        };
        for (task, account) in self.store.open_tasks_of(me).await? {
            let Some(due) = task.fields.due_on.filter(|d| *d <= today) else {
                continue;
            };
            let touch = task.fields.dedup_key.as_deref() == Some(PERSONAL_TOUCH);
            let line = DayTask { task, account };
            if touch {
                out.touches.push(line);
            } else if due < today {
                out.overdue.push(line);
            } else {
                out.due_today.push(line);
            }
        }
        // Most urgent first, then the oldest.
        for list in [&mut out.overdue, &mut out.due_today, &mut out.touches] {
            list.sort_by_key(|l| {
                (
                    std::cmp::Reverse(l.task.fields.priority),
                    l.task.fields.due_on,
                )
            });
        }
        out.renewals = self
            .renewals(by, Some(TODAY_RENEWAL_DAYS), true)
            .await?
            .renewals;
        let owned: HashSet<AccountId> = self.store.owned_accounts(me).await?.into_iter().collect();
        let (_, moved) = self
            .store
            .colour_moves_since(today - Days::new(MOVED_DAYS))
            .await?;
        out.moved = moved
            .into_iter()
            .filter(|m| owned.contains(&m.account))
            .collect();
        let ids: Vec<AccountId> = owned.iter().copied().collect();
        for r in self.store.planned_rows(Some(&ids)).await? {
            let p = &r.plan;
            let objectives: Vec<(String, ObjectiveStatus)> = p
                .content
                .objectives
                .iter()
                .map(|o| (o.title.clone(), p.assess(o, today).0.status))
                .filter(|(_, st)| matches!(st, ObjectiveStatus::AtRisk | ObjectiveStatus::OffTrack))
                .collect();
            let due = p.dates.update_due_on().min(p.dates.refresh_due_on());
            let rhythm_due = (due < today).then_some(due);
            if objectives.is_empty() && rhythm_due.is_none() {
                continue;
            }
            out.slipping.push(Slipping {
                account: p.account,
                name: r.name.clone(),
                objectives,
                rhythm_due,
            });
        }
        out.slipping.sort_by(|a, b| {
            b.objectives
                .len()
                .cmp(&a.objectives.len())
                .then(a.rhythm_due.cmp(&b.rhythm_due))
                .then(a.name.cmp(&b.name))
        });
        Ok(out)
    }

    /// A leader's book: ARR by colour, the renewals of the next two quarters and their risk by
    /// month and by CSM, this week's colour changes, the team's load and the health mix's
    /// trend.
    pub async fn leader_home(&self, by: &Caller) -> Result<LeaderHome> {
        by.may(|u| u.may_manage_book())?;
        let today = self.store.clock().today();
        let currency = self.store.currency();
        let (accounts, arr) = self.store.account_totals(&AccountQuery::default()).await?;
        let mut mix = Vec::new();
        let (mut scored, mut scored_arr) = (0, Decimal::ZERO);
        for colour in COLOURS {
            let q = AccountQuery {
                health: Some(colour),
                ..AccountQuery::default()
            };
            let (n, a) = self.store.account_totals(&q).await?;
            scored += n;
            scored_arr += a.amount;
            mix.push(ColourShare {
                colour: Some(colour),
                accounts: n,
                arr: a,
            });
        }
        mix.push(ColourShare {
            colour: None,
            accounts: accounts - scored,
            arr: Money {
                amount: arr.amount - scored_arr,
                currency,
            },
        });
        let pipeline = self.renewals(by, Some(LEADER_RENEWAL_DAYS), false).await?;
        let at_risk_colours = self.store.health_config().await?.at_risk_playbook.colours;
        let mut months: BTreeMap<NaiveDate, RenewalRisk> = BTreeMap::new();
        let mut owners: BTreeMap<Option<String>, RenewalRisk> = BTreeMap::new();
        let mut horizon = RenewalRisk::default();
        // Every month of the horizon, an empty one too: a month with nothing due is news.
        let mut m = first_of_month(today);
        while m <= today + Days::new(LEADER_RENEWAL_DAYS as u64) {
            months.insert(m, RenewalRisk::default());
            m = m + chrono::Months::new(1);
        }
        for r in &pipeline.renewals {
            months
                .entry(first_of_month(r.stored.end))
                .or_default()
                .add(r, &at_risk_colours);
            owners
                .entry(r.stored.csm_name.clone())
                .or_default()
                .add(r, &at_risk_colours);
            horizon.add(r, &at_risk_colours);
        }
        let mut owners: Vec<_> = owners.into_iter().collect();
        owners.sort_by(|a, b| b.1.at_risk.cmp(&a.1.at_risk).then(b.1.arr.cmp(&a.1.arr)));
        let (moved_since, moved) = self
            .store
            .colour_moves_since(today - Days::new(MOVED_DAYS))
            .await?;

        let touches = self.store.overdue_touches().await?;
        let users = self.store.users().await?;
        let loads = self
            .store
            .task_loads(today, sherpa_core::clock::week_end(today))
            .await?
            .into_iter()
            .filter_map(|l| {
                let owner = l.owner?;
                let user = users.iter().find(|u| u.id == owner)?;
                Some(MemberLoad {
                    owner,
                    name: user.name.clone(),
                    open: l.open,
                    overdue: l.overdue,
                    due_this_week: l.due_by,
                    overdue_touches: touches
                        .iter()
                        .find(|t| t.owner == Some(owner))
                        .map_or(0, |t| t.count),
                })
            })
            .collect();
        let trend = self
            .store
            .health_distribution(today - Days::new(TREND_DAYS))
            .await?;
        let quarters = self.quarter_mixes(today, currency).await?;
        Ok(LeaderHome {
            today,
            currency,
            mix,
            accounts,
            arr,
            months: months.into_iter().collect(),
            owners,
            horizon,
            at_risk_colours,
            moved_since,
            moved,
            loads,
            trend,
            quarters,
        })
    }
}

impl App {
    /// An admin's home: the data's freshness source by source, the intake's last hour and
    /// latest refusals, the jobs and the outbox, and the team's accounts.
    pub async fn admin_home(&self, by: &Caller) -> Result<AdminHome> {
        by.may(|u| u.may_administer())?;
        let now = self.store.clock().now();
        let minutes = self
            .store
            .intake_minutes(now - chrono::Duration::minutes(59))
            .await?;
        let last_hour = minutes
            .iter()
            .fold((0, 0), |(a, r), (_, x, y)| (a + x, r + y));
        let users = self.store.users().await?;
        let roles = [
            Role::Admin,
            Role::Leader,
            Role::Csm,
            Role::Sales,
            Role::Viewer,
        ]
        .into_iter()
        .map(|r| (r, users.iter().filter(|u| u.active && u.role == r).count()))
        .collect();
        Ok(AdminHome {
            now,
            sources: self.store.data_freshness().await?,
            intake: self.store.intake_status().await?,
            last_hour,
            jobs: self.store.job_queue().await?,
            outbox: self.store.outbox_counts().await?,
            roles,
            inactive: users.iter().filter(|u| !u.active).count(),
        })
    }
}

impl App {
    /// ARR by colour at the end of each of the last quarters the daily snapshots reach.
    async fn quarter_mixes(&self, today: NaiveDate, currency: Currency) -> Result<Vec<QuarterMix>> {
        let terms = self.store.revenue_terms().await?.terms;
        let mut by_account: BTreeMap<i64, Vec<RetentionTerm>> = BTreeMap::new();
        for t in terms {
            by_account.entry(t.account).or_default().push(t);
        }
        let mut out = Vec::new();
        let mut start = quarter_start(today);
        for _ in 0..TREND_QUARTERS {
            let end = start - Days::new(1);
            start = quarter_start(end);
            let Some((read_on, colours)) = self.store.colours_on(end).await? else {
                break;
            };
            // A day of snapshots from before the quarter began says nothing of its end.
            if read_on < start {
                break;
            }
            let mut shares: Vec<ColourShare> = COLOURS
                .iter()
                .map(|c| Some(*c))
                .chain([None])
                .map(|colour| ColourShare {
                    colour,
                    accounts: 0,
                    arr: Money {
                        amount: Decimal::ZERO,
                        currency,
                    },
                })
                .collect();
            for (account, colour) in colours {
                let arr = by_account
                    .get(&account.0)
                    .map_or(Decimal::ZERO, |t| arr_on(t, end));
                if arr.is_zero() {
                    continue;
                }
                if let Some(s) = shares.iter_mut().find(|s| s.colour == colour) {
                    s.accounts += 1;
                    s.arr.amount += arr;
                }
            }
            out.push(QuarterMix {
                label: format!("Q{} {}", (end.month() - 1) / 3 + 1, end.year()),
                end,
                read_on,
                mix: shares,
                renewals: renewal_outcome(by_account.values().map(Vec::as_slice), start, end),
                load: self.store.past_load(start, end).await?,
            });
        }
        out.reverse();
        Ok(out)
    }
}

/// The first day of the quarter holding `d`.
fn quarter_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), (d.month() - 1) / 3 * 3 + 1, 1)
        .expect("a quarter's first day")
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("every month has a 1st")
}
