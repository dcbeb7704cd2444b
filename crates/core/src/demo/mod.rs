//! A deterministic, realistic demo book: MRR shaped like seed 002's Pareto example (top 10% of
//! accounts hold about 45% of revenue with a floor near $5,000 MRR; top 30% about 75% with a
//! floor near $1,700), a team sized as seeds 002 and 003 describe, contacts with relationship
//! roles, two years of contract terms with their outcomes, and a year of activities.
//! Every account is generated from `(seed, index)` alone, so any slice can be built on its own.

mod adoption;
mod effectiveness;
mod names;
mod plans;
mod priority;
mod team;
mod voice;

pub use adoption::demo_adoption;

/// The days of the demo's weekly health snapshots, oldest first: each week of the last quarter.
pub fn health_weeks(today: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    (1..=12)
        .rev()
        .map(|w| today - chrono::Days::new(7 * w))
        .collect()
}
pub use effectiveness::{DEMO_MODEL, demo_effectiveness, demo_model};
pub use voice::{FEATURES, FeatureWeeks, HIGH_VALUE_FEATURES, Trajectory, feature_users};

pub use plans::DemoPlan;
pub use priority::DemoGrading;
pub use team::{DemoTeam, DemoUser, Desk};

use crate::book::*;
use crate::money::{Currency, Money};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

/// Knots of the MRR curve by rank share: log-linear between them.
const MRR_KNOTS: &[(f64, f64)] = &[
    (0.0, 15_200.0),
    (0.1, 5_000.0),
    (0.3, 1_700.0),
    (1.0, 225.0),
];

/// The MRR of the account at rank share `p` (0 = largest).
pub fn mrr_at(p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    let w = MRR_KNOTS
        .windows(2)
        .find(|w| p <= w[1].0)
        .unwrap_or(&MRR_KNOTS[MRR_KNOTS.len() - 2..]);
    let (p0, m0) = w[0];
    let (p1, m1) = w[1];
    let t = (p - p0) / (p1 - p0);
    (m0.ln() + t * (m1.ln() - m0.ln())).exp()
}

/// Which part of the Pareto curve an account sits in: 1 (top 10%), 2 (next 20%), 3 (the tail).
pub fn segment_of(index: usize, accounts: usize) -> u8 {
    let p = index as f64 / accounts as f64;
    if p < 0.1 {
        1
    } else if p < 0.3 {
        2
    } else {
        3
    }
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub index: usize,
    pub fields: AccountFields,
    /// Owners as indexes into the team's users.
    pub csm: usize,
    pub ae: usize,
    pub customer_development: Option<usize>,
    pub executive_sponsor: Option<usize>,
    pub contacts: Vec<ContactFields>,
    pub contracts: Vec<ContractFields>,
    pub activities: Vec<DemoActivity>,
    pub grading: Option<DemoGrading>,
    /// 9-box placements, the quarter before first.
    pub nine_boxes: Vec<(crate::prioritise::Quarter, crate::prioritise::NineBox)>,
}

/// The id a member of the demo's team has once the book is loaded: ids from 1, in the
/// team's order.
pub fn user_id(index: usize) -> UserId {
    UserId(index as i64 + 1)
}

impl DemoAccount {
    /// The account's owners as the book's users are numbered when it is loaded ([`user_id`]).
    pub fn owners(&self) -> Owners {
        let id = user_id;
        Owners {
            csm: Some(id(self.csm)),
            ae: Some(id(self.ae)),
            customer_development: self.customer_development.map(id),
            executive_sponsor: self.executive_sponsor.map(id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DemoActivity {
    pub kind: ActivityKind,
    pub occurred_at: chrono::DateTime<Utc>,
    pub user: usize,
    /// Indexes into the account's contacts.
    pub attendees: Vec<usize>,
    pub summary: String,
}

/// An account's size, age and fate.
struct Basics {
    arr_now: Decimal,
    customer_since: NaiveDate,
    tenure_days: i64,
    churned: bool,
}

/// The whole demo book's recipe.
#[derive(Debug, Clone)]
pub struct DemoBook {
    pub accounts: usize,
    pub seed: u64,
    pub today: NaiveDate,
    pub team: DemoTeam,
}

const CHURN_REASONS: &[&str] = &[
    "Budget cut after reorganisation",
    "Moved to a competitor with a lower price",
    "Champion left and nobody owned the rollout",
    "Never reached first value during onboarding",
    "Acquired; parent company standardised on another tool",
];

impl DemoBook {
    pub fn new(accounts: usize, seed: u64, today: NaiveDate) -> Self {
        let mut book = DemoBook {
            accounts,
            seed,
            today,
            team: DemoTeam::default(),
        };
        // Each account's desk follows its tier: Tier 1 to the high-touch CSMs, Tier 2 to the
        // mid-touch ones, Tier 3 to the pooled digital queue. An account without a tier yet
        // (new, between two tiers, or churned) sits where its size puts it.
        let desks: Vec<Desk> = (0..accounts)
            .map(|i| {
                let b = book.basics(i);
                let tier = book
                    .grading(i, b.arr_now, b.customer_since, b.churned)
                    .and_then(|g| g.tier());
                Desk::of(tier, segment_of(i, accounts))
            })
            .collect();
        book.team = DemoTeam::sized_for(&desks);
        book
    }

    /// What the rest of an account's recipe hangs on, drawn from a stream of its own so that
    /// the team can be sized before the accounts are written.
    fn basics(&self, index: usize) -> Basics {
        let mut rng = self.rng(index, 0x6261_7369);
        let n = self.accounts;
        let jitter: f64 = rng.random_range(0.97..1.03);
        let mrr = (mrr_at((index as f64 + 0.5) / n as f64) * jitter)
            .round()
            .max(50.0);
        let churned = index % 13 == 7;
        // A churned account served one whole term and left at its first renewal, within the
        // past year: young accounts churn most, as books do.
        let (shortest, longest) = if churned { (400, 725) } else { (30, 4 * 365) };
        let tenure_days = rng.random_range(shortest..longest);
        Basics {
            arr_now: Decimal::from(mrr as i64 * 12),
            customer_since: self.today - Duration::days(tenure_days),
            tenure_days,
            churned,
        }
    }

    fn rng(&self, index: usize, salt: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(
            self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt,
        )
    }

    pub fn account(&self, index: usize) -> DemoAccount {
        let mut rng = self.rng(index, 1);
        let n = self.accounts;
        let segment = segment_of(index, n);
        let Basics {
            arr_now,
            customer_since,
            tenure_days,
            churned,
        } = self.basics(index);
        let (name, domain) = names::company(index, &mut rng);
        let lifecycle = if churned {
            Lifecycle::Churned
        } else if tenure_days < 90 {
            Lifecycle::Onboarding
        } else {
            Lifecycle::Ongoing
        };
        let employees = match segment {
            1 => rng.random_range(1_000..50_000),
            2 => rng.random_range(200..2_000),
            _ => rng.random_range(10..300),
        };
        let fields = AccountFields {
            name,
            external_id: Some(format!("ACC-{:06}", index + 1)),
            domain: Domain::parse(&domain).ok(),
            industry: Some(names::pick(names::INDUSTRIES, &mut rng).to_string()),
            country: Some(
                crate::book::country_code(names::pick::<&str, _>(names::COUNTRIES, &mut rng))
                    .expect("the demo's countries are countries"),
            ),
            employees: Some(employees),
            parent_id: None,
            lifecycle: Some(lifecycle),
            customer_since: Some(customer_since),
            owners: Owners::default(),
            custom: CustomValues::new(),
        };
        let (csm, ae, cd, sponsor) = self.team.owners_for(index);
        let contacts = self.contacts(index, segment, &domain, &mut rng);
        let contracts = self.contracts(index, customer_since, arr_now, churned, &mut rng);
        // A churned customer was served like any other while it was one: calls, meetings,
        // its onboarding and training, up to the day it left.
        let until = if churned {
            contracts
                .iter()
                .map(|c| c.end_date)
                .max()
                .unwrap_or(self.today)
                .min(self.today)
        } else {
            self.today
        };
        let mut activities = self.activities(
            self.team.desk(index),
            customer_since,
            until,
            csm,
            contacts.len(),
            &mut rng,
        );
        activities.extend(self.onboarding(index, customer_since, csm, contacts.len()));
        activities.retain(|a| a.occurred_at.date_naive() <= until);
        let grading = self.grading(index, arr_now, customer_since, churned);
        let nine_boxes = self.nine_boxes(
            index,
            segment,
            grading.as_ref(),
            lifecycle != Lifecycle::Ongoing,
        );
        DemoAccount {
            index,
            fields,
            grading,
            nine_boxes,
            csm,
            ae,
            customer_development: cd,
            executive_sponsor: sponsor,
            contacts,
            contracts,
            activities,
        }
    }

    fn contacts(
        &self,
        index: usize,
        segment: u8,
        domain: &str,
        rng: &mut ChaCha8Rng,
    ) -> Vec<ContactFields> {
        let count = match segment {
            1 => rng.random_range(5..9),
            2 => rng.random_range(3..6),
            _ => rng.random_range(1..4),
        };
        let missing_champion = rng.random_bool(0.15);
        let missing_buyer = rng.random_bool(0.10);
        let champion_departed = rng.random_bool(0.08);
        (0..count)
            .map(|i| {
                let (first, last) = names::person(rng);
                let mut roles = Vec::new();
                if i == 0 && !missing_buyer {
                    roles.push(RelationshipRole::EconomicBuyer);
                }
                if i == count.min(2) - 1 && !missing_champion {
                    roles.push(RelationshipRole::Champion);
                }
                if i >= 2 {
                    roles.push(*names::pick(
                        &[
                            RelationshipRole::UserBuyer,
                            RelationshipRole::Admin,
                            RelationshipRole::TechnicalBuyer,
                            RelationshipRole::Coach,
                        ],
                        rng,
                    ));
                }
                roles.sort();
                roles.dedup();
                let departed = champion_departed && roles.contains(&RelationshipRole::Champion);
                ContactFields {
                    account_id: None,
                    external_id: Some(format!("CON-{:06}-{i}", index + 1)),
                    email: Email::parse(&format!(
                        "{}.{}@{domain}",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ))
                    .ok(),
                    name: format!("{first} {last}"),
                    title: Some(names::title_for(&roles, rng).to_string()),
                    roles,
                    departed_on: departed
                        .then(|| self.today - Duration::days(rng.random_range(5..300))),
                }
            })
            .collect()
    }

    /// Annual terms from the first (on `since`) through the current term; the last term of a
    /// churned account ended within the past year with a reason.
    fn contracts(
        &self,
        index: usize,
        since: NaiveDate,
        arr_now: Decimal,
        churned: bool,
        rng: &mut ChaCha8Rng,
    ) -> Vec<ContractFields> {
        // The current term started on the last anniversary of `since` on or before today.
        let mut start = since;
        while add_year(start) <= self.today {
            start = add_year(start);
        }
        if churned {
            start = sub_year(start);
        }
        let mut starts = vec![start];
        while let Some(prev) = starts.last().map(|s| sub_year(*s)) {
            if prev < since {
                break;
            }
            starts.push(prev);
        }
        starts.reverse();
        // Walk ARR backwards from today's value so that history explains it.
        let mut arrs = vec![arr_now; starts.len()];
        for i in (0..starts.len().saturating_sub(1)).rev() {
            let step: f64 = *names::pick(&[1.0, 1.0, 0.85, 0.8, 1.1, 1.0], rng);
            arrs[i] = (arrs[i + 1] * Decimal::try_from(step).expect("finite")).round();
        }
        let product = names::pick(names::PRODUCTS, rng).to_string();
        let seats_per_k = rng.random_range(2..6);
        let n = starts.len();
        starts
            .iter()
            .zip(&arrs)
            .enumerate()
            .map(|(i, (s, arr))| {
                let end = add_year(*s) - Duration::days(1);
                let last = i + 1 == n;
                let outcome = if last {
                    churned.then_some(Outcome::Churned)
                } else {
                    Some(match arrs[i + 1].cmp(arr) {
                        std::cmp::Ordering::Greater => Outcome::Expanded,
                        std::cmp::Ordering::Less => Outcome::Contracted,
                        std::cmp::Ordering::Equal => Outcome::Renewed,
                    })
                };
                let seats = (*arr / Decimal::from(1000))
                    .round()
                    .try_into()
                    .unwrap_or(1i64)
                    .max(1)
                    * seats_per_k;
                ContractFields {
                    account_id: AccountId(1),
                    external_id: Some(format!("CTR-{:06}-{}", index + 1, s.year())),
                    products: vec![product.clone()],
                    arr: Money {
                        amount: *arr,
                        currency: Currency::USD,
                    },
                    seats: Some(seats),
                    start_date: *s,
                    end_date: end,
                    status: ContractFields::status_on(*s, end, self.today),
                    outcome,
                    churn_reason: (last && churned)
                        .then(|| names::pick(CHURN_REASONS, rng).to_string()),
                    terms: (rng.random_bool(0.05))
                        .then(|| "Net 60 payment terms; price cap of 5% at renewal".to_string()),
                    // A quarter of the book signed paper that renews by itself; from the index,
                    // not the random stream, so that the rest of the book stays as it was.
                    auto_renew: Some(index.is_multiple_of(4)),
                    // Notice periods of 30, 60 or 90 days, and a fifth of the book without one.
                    notice_days: [Some(30), Some(60), Some(90), Some(60), None][index % 5],
                }
            })
            .collect()
    }

    /// Seed 002's onboarding as it happened: a kickoff, then the initial training, most on
    /// time and some late (a slow training is the demo's systemic delay), none still to come.
    /// From a stream of its own, so that the rest of the book stays as it was.
    fn onboarding(
        &self,
        index: usize,
        since: NaiveDate,
        csm: usize,
        contacts: usize,
    ) -> Vec<DemoActivity> {
        let mut rng = self.rng(index, 7);
        let kickoff = since + Duration::days(rng.random_range(1..20));
        let training = kickoff + Duration::days(rng.random_range(7..55));
        [
            (ActivityKind::Kickoff, kickoff),
            (ActivityKind::Training, training),
        ]
        .into_iter()
        .filter(|(_, day)| *day < self.today)
        .map(|(kind, day)| DemoActivity {
            kind,
            occurred_at: Utc.from_utc_datetime(
                &(day.and_time(NaiveTime::MIN) + Duration::hours(rng.random_range(9..17))),
            ),
            user: csm,
            attendees: (0..contacts.min(3)).collect(),
            summary: names::summary(kind, &mut rng).to_string(),
        })
        .collect()
    }

    /// Half a year of personal touches, at about the cadence of the account's desk
    /// (weekly high touch, fortnightly mid touch, monthly digital), from when it became a
    /// customer. Some accounts lapse: their touches stopped weeks or months ago, and they are
    /// the overdue touches the team pages show.
    fn activities(
        &self,
        desk: Desk,
        since: NaiveDate,
        until: NaiveDate,
        csm: usize,
        contacts: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<DemoActivity> {
        let (gap, lapse_percent) = match desk {
            Desk::HighTouch => (4..10, 15),
            Desk::MidTouch => (8..17, 25),
            Desk::Digital => (18..36, 40),
        };
        let stopped = if rng.random_range(0..100) < lapse_percent {
            rng.random_range(10..150)
        } else {
            rng.random_range(0..3)
        };
        // The CRM's history reaches back 200 days for every account, churned or not, so that
        // a past term's as-of day sees as much of it whichever way the term ended.
        let first = (self.today - Duration::days(200)).max(since);
        let mut day = until - Duration::days(stopped);
        let mut out = Vec::new();
        while day >= first {
            let kind = *names::pick(
                &[
                    ActivityKind::Call,
                    ActivityKind::Meeting,
                    ActivityKind::Email,
                    ActivityKind::Email,
                    ActivityKind::Note,
                ],
                rng,
            );
            out.push(self.activity(kind, day, csm, contacts, rng));
            day -= Duration::days(rng.random_range(gap.clone()));
        }
        // High-touch accounts hold a business review most quarters.
        if desk == Desk::HighTouch {
            for quarter in 0..2 {
                let day = until - Duration::days(quarter * 91 + rng.random_range(0..91));
                if rng.random_bool(0.6) && day >= since {
                    out.push(self.activity(ActivityKind::Qbr, day, csm, contacts, rng));
                }
            }
        }
        out
    }

    fn activity(
        &self,
        kind: ActivityKind,
        day: NaiveDate,
        csm: usize,
        contacts: usize,
        rng: &mut ChaCha8Rng,
    ) -> DemoActivity {
        let at = Utc.from_utc_datetime(
            &(day.and_time(NaiveTime::MIN) + Duration::minutes(rng.random_range(8 * 60..18 * 60))),
        );
        DemoActivity {
            kind,
            occurred_at: at,
            user: csm,
            attendees: if kind == ActivityKind::Note || contacts == 0 {
                vec![]
            } else {
                vec![rng.random_range(0..contacts)]
            },
            summary: names::summary(kind, rng).to_string(),
        }
    }
}

fn add_year(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() + 1)
        .unwrap_or_else(|| d + Duration::days(365))
}

fn sub_year(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() - 1)
        .unwrap_or_else(|| d - Duration::days(365))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prioritise::segments::segments;

    #[test]
    fn the_mrr_curve_has_seed_002s_pareto_shape() {
        for n in [2_000, 100_000] {
            pareto_shape(n);
        }
    }

    fn pareto_shape(n: usize) {
        let book = DemoBook::new(n, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let mrr: Vec<Decimal> = (0..n)
            .map(|i| book.account(i).contracts.last().unwrap().mrr())
            .collect();
        let s = segments(&mrr, &[45, 75]);
        assert!((0.08..=0.12).contains(&s[0].share_of_accounts), "{s:?}");
        assert!((0.18..=0.22).contains(&s[1].share_of_accounts), "{s:?}");
        let floor1: f64 = s[0].floor_mrr.try_into().unwrap();
        let floor2: f64 = s[1].floor_mrr.try_into().unwrap();
        assert!((4_500.0..=5_500.0).contains(&floor1), "{s:?}");
        assert!((1_500.0..=1_900.0).contains(&floor2), "{s:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_book() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let a = DemoBook::new(500, 7, today).account(123);
        let b = DemoBook::new(500, 7, today).account(123);
        assert_eq!(a.fields, b.fields);
        assert_eq!(a.contracts, b.contracts);
        assert_ne!(a.fields, DemoBook::new(500, 8, today).account(123).fields);
    }

    #[test]
    fn terms_tell_a_consistent_story() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let book = DemoBook::new(1_000, 42, today);
        for i in 0..1_000 {
            let a = book.account(i);
            let current = a.contracts.iter().filter(|c| c.is_current(today)).count();
            assert_eq!(
                Some(a.contracts[0].start_date),
                a.fields.customer_since,
                "account {i} was a customer before its first term"
            );
            if a.fields.lifecycle == Some(Lifecycle::Churned) {
                assert_eq!(current, 0, "churned account {i} has a current term");
                assert_eq!(a.contracts.last().unwrap().outcome, Some(Outcome::Churned));
            } else {
                assert_eq!(current, 1, "account {i} has {current} current terms");
                let renewal = a.contracts.last().unwrap().end_date;
                assert!(renewal >= today && renewal < today + Duration::days(366));
            }
        }
    }
}
