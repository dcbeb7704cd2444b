//! The demo's usage, tickets and surveys, telling each account's story: a healthy account uses
//! most of its seats and answers surveys warmly; a growing one adds users; a declining one uses
//! less, files more (and escalated) tickets and scores low; a churn-bound one fades out and says
//! it would not renew. The story follows the account's contract history.

use super::{DemoAccount, DemoBook};
use crate::book::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trajectory {
    Healthy,
    Growing,
    Declining,
    ChurnBound,
}

/// Product features of the demo's product, the first ones used most.
pub const FEATURES: [&str; 12] = [
    "Dashboard Viewed",
    "Report Built",
    "Report Shared",
    "Export Created",
    "Alert Configured",
    "Integration Connected",
    "Workflow Automated",
    "Comment Added",
    "User Invited",
    "API Key Created",
    "Forecast Run",
    "Audit Exported",
];

impl DemoAccount {
    /// The story of an account, from its contracts: churned, contracted, expanded, or steady.
    pub fn trajectory(&self) -> Trajectory {
        if self.fields.lifecycle == Some(Lifecycle::Churned) {
            return Trajectory::ChurnBound;
        }
        let last_outcome = self.contracts.iter().rev().find_map(|c| c.outcome);
        match last_outcome {
            Some(Outcome::Contracted) => Trajectory::Declining,
            Some(Outcome::Expanded) => Trajectory::Growing,
            _ if self.index % 11 == 3 => Trajectory::Declining,
            _ => Trajectory::Healthy,
        }
    }

    fn seats(&self) -> i64 {
        self.contracts
            .iter()
            .filter_map(|c| c.seats)
            .next_back()
            .unwrap_or(5)
    }
}

impl DemoBook {
    fn voice_rng(&self, index: usize, salt: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(
            self.seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ salt,
        )
    }

    /// A year of tickets (the account id is a placeholder the loader sets).
    pub fn tickets(&self, a: &DemoAccount) -> Vec<TicketFields> {
        let mut rng = self.voice_rng(a.index, 0x71);
        let t = a.trajectory();
        let per_year = match t {
            Trajectory::Healthy => rng.random_range(1..4),
            Trajectory::Growing => rng.random_range(2..6),
            Trajectory::Declining => rng.random_range(6..12),
            Trajectory::ChurnBound => rng.random_range(8..14),
        };
        let now = self.today.and_hms_opt(12, 0, 0).expect("noon").and_utc();
        (0..per_year)
            .map(|i| {
                // Troubled accounts' tickets bunch up in the recent months.
                let recent = matches!(t, Trajectory::Declining | Trajectory::ChurnBound);
                let back = if recent && i % 2 == 0 {
                    rng.random_range(1..90)
                } else {
                    rng.random_range(1..365)
                };
                let opened_at =
                    now - Duration::days(back) - Duration::minutes(rng.random_range(0..600));
                let severity = match (t, rng.random_range(0..10)) {
                    (Trajectory::Declining | Trajectory::ChurnBound, 0..=2) => Severity::Urgent,
                    (_, 0) => Severity::High,
                    (_, 1..=6) => Severity::Normal,
                    _ => Severity::Low,
                };
                let hours = match t {
                    Trajectory::Healthy | Trajectory::Growing => rng.random_range(1..30),
                    _ => rng.random_range(8..200),
                };
                let resolved_at = opened_at + Duration::hours(hours);
                let open = resolved_at > now || (back < 10 && rng.random_bool(0.5));
                TicketFields {
                    account_id: AccountId(0),
                    external_id: Some(format!("ZD-{}-{i}", a.index + 1)),
                    subject: (*super::names::pick(SUBJECTS, &mut rng)).to_string(),
                    opened_at,
                    severity,
                    status: if open {
                        TicketStatus::Open
                    } else {
                        TicketStatus::Solved
                    },
                    resolved_at: (!open).then_some(resolved_at),
                    escalated: severity == Severity::Urgent && rng.random_bool(0.6),
                    csat: (!open && rng.random_bool(0.6)).then(|| match t {
                        Trajectory::Healthy | Trajectory::Growing => rng.random_range(4..6),
                        _ => rng.random_range(1..4),
                    }),
                }
            })
            .collect()
    }

    /// Quarterly NPS and a yearly renewal question, answered by the account's first contact.
    pub fn surveys(&self, a: &DemoAccount) -> Vec<SurveyFields> {
        let mut rng = self.voice_rng(a.index, 0x5);
        let t = a.trajectory();
        let mut out = Vec::new();
        for q in 0..4i64 {
            if !rng.random_bool(0.7) {
                continue;
            }
            let answered_on = self.today - Duration::days(q * 91 + rng.random_range(0..30));
            // Declining accounts were warmer a year ago than now.
            let score = match t {
                Trajectory::Healthy => rng.random_range(7..11),
                Trajectory::Growing => rng.random_range(8..11),
                Trajectory::Declining => (rng.random_range(3..8) + q).min(10),
                Trajectory::ChurnBound => rng.random_range(0..6),
            };
            out.push(SurveyFields {
                account_id: AccountId(0),
                contact_id: None,
                external_id: Some(format!("NPS-{}-{q}", a.index + 1)),
                kind: SurveyKind::Nps,
                score: Some(score),
                intent: None,
                comment: (score <= 6)
                    .then(|| "Reports are slow and support takes days".to_string()),
                answered_on,
            });
        }
        out.push(SurveyFields {
            account_id: AccountId(0),
            contact_id: None,
            external_id: Some(format!("RENEW-{}", a.index + 1)),
            kind: SurveyKind::RenewIntent,
            score: None,
            intent: Some(match t {
                Trajectory::Healthy | Trajectory::Growing => RenewIntent::Yes,
                Trajectory::Declining => RenewIntent::Unsure,
                Trajectory::ChurnBound => RenewIntent::No,
            }),
            comment: None,
            answered_on: self.today - Duration::days(rng.random_range(20..120)),
        });
        out
    }

    /// Segment track and page messages of the last `days` days for one account, as its
    /// product would send them (group id = the account's CRM id).
    pub fn usage_messages(&self, a: &DemoAccount, days: i64) -> Vec<String> {
        let mut rng = self.voice_rng(a.index, 0x0e);
        let t = a.trajectory();
        let Some(group) = a.fields.external_id.clone() else {
            return Vec::new();
        };
        let seats = a.seats().clamp(1, 400);
        let breadth = match t {
            Trajectory::Healthy => 9,
            Trajectory::Growing => 11,
            Trajectory::Declining => 5,
            Trajectory::ChurnBound => 3,
        };
        let mut out = Vec::new();
        for back in (0..days).rev() {
            let day: NaiveDate = self.today - Duration::days(back);
            // Share of seats active that day, drifting with the story over the window.
            let progress = 1.0 - back as f64 / days.max(1) as f64;
            let share = match t {
                Trajectory::Healthy => 0.65,
                Trajectory::Growing => 0.55 + 0.3 * progress,
                Trajectory::Declining => 0.6 - 0.35 * progress,
                Trajectory::ChurnBound => 0.25 - 0.2 * progress,
            };
            let weekend = matches!(
                chrono::Datelike::weekday(&day),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            );
            let active =
                ((seats as f64 * share * if weekend { 0.2 } else { 1.0 }).round() as i64).max(0);
            for u in 0..active {
                for e in 0..rng.random_range(2..7) {
                    let at: DateTime<Utc> = day
                        .and_hms_opt(rng.random_range(7..19), rng.random_range(0..60), 0)
                        .expect("valid")
                        .and_utc();
                    let (kind, name) = if e == 0 {
                        ("page", "Home")
                    } else {
                        ("track", FEATURES[rng.random_range(0..breadth)])
                    };
                    let mut m = String::new();
                    let _ = write!(
                        m,
                        r#"{{"type":"{kind}","userId":"{group}-user-{u}","{}":"{name}","messageId":"demo-{}-{back}-{u}-{e}","timestamp":"{}","context":{{"groupId":"{group}","library":{{"name":"sherpa-demo"}}}}}}"#,
                        if kind == "page" { "name" } else { "event" },
                        a.index,
                        crate::text::timestamp(at)
                    );
                    out.push(m);
                }
            }
        }
        out
    }
}

const SUBJECTS: &[&str] = &[
    "Cannot log in with SSO",
    "Report export times out",
    "Dashboard shows wrong totals",
    "How do I invite a colleague?",
    "Integration sync failed",
    "Billing question about seats",
    "Feature request: scheduled reports",
    "Alert emails not arriving",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_shows_in_tickets_surveys_and_usage() {
        let book = DemoBook::new(400, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let mut seen = std::collections::HashMap::new();
        for i in 0..400 {
            let a = book.account(i);
            let t = a.trajectory();
            let tickets = book.tickets(&a);
            let nps: Vec<i64> = book.surveys(&a).iter().filter_map(|s| s.score).collect();
            let events = book.usage_messages(&a, 7).len();
            let e = seen
                .entry(format!("{t:?}"))
                .or_insert((0usize, 0usize, 0i64, 0usize, 0usize));
            e.0 += 1;
            e.1 += tickets.len();
            e.2 += nps.iter().sum::<i64>();
            e.3 += nps.len();
            e.4 += events;
            assert_eq!(
                a.trajectory() == Trajectory::ChurnBound,
                a.fields.lifecycle == Some(Lifecycle::Churned)
            );
            for t in &tickets {
                t.check().unwrap();
            }
        }
        let avg = |k: &str| {
            let e = seen[k];
            (e.1 as f64 / e.0 as f64, e.2 as f64 / e.3.max(1) as f64)
        };
        let (healthy_tickets, healthy_nps) = avg("Healthy");
        let (declining_tickets, declining_nps) = avg("Declining");
        assert!(
            declining_tickets > healthy_tickets * 2.0,
            "{declining_tickets} vs {healthy_tickets}"
        );
        assert!(
            declining_nps < healthy_nps - 2.0,
            "{declining_nps} vs {healthy_nps}"
        );
        assert!(
            seen.contains_key("Growing") && seen.contains_key("ChurnBound"),
            "{seen:?}"
        );
    }
}
