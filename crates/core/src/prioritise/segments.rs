//! Pareto view of revenue (seed 002): accounts ordered by MRR, descending, with the cumulative
//! share of revenue, and the segments that cut it at chosen revenue shares: a high-touch first
//! segment, a hybrid second, an automated long tail.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where the leader cuts the curve: cumulative revenue shares in percent, rising, and a name
/// for each segment (one more name than cuts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParetoSettings {
    pub shares: Vec<u8>,
    pub names: Vec<String>,
}

impl Default for ParetoSettings {
    /// Seed 002's example: 10% of customers hold 45% of revenue, 30% hold 75%.
    fn default() -> Self {
        ParetoSettings {
            shares: vec![45, 75],
            names: vec!["High touch".into(), "Hybrid".into(), "Automated".into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParetoError {
    #[error("shares must rise strictly between 1 and 99 percent (got {0:?})")]
    Shares(Vec<u8>),
    #[error("{names} segment names for {shares} cuts: give one name more than cuts")]
    Names { names: usize, shares: usize },
    #[error("segment names must be non-empty, distinct and at most 40 characters")]
    Name,
}

impl ParetoSettings {
    pub fn new(shares: Vec<u8>, names: Vec<String>) -> Result<Self, ParetoError> {
        let rising = shares.windows(2).all(|w| w[0] < w[1]);
        if shares.is_empty() || !rising || shares.iter().any(|s| !(1..=99).contains(s)) {
            return Err(ParetoError::Shares(shares));
        }
        if names.len() != shares.len() + 1 {
            return Err(ParetoError::Names {
                names: names.len(),
                shares: shares.len(),
            });
        }
        let names: Vec<String> = names.into_iter().map(|n| n.trim().to_string()).collect();
        let distinct = names
            .iter()
            .enumerate()
            .all(|(i, n)| !names[..i].contains(n));
        if !distinct || names.iter().any(|n| n.is_empty() || n.chars().count() > 40) {
            return Err(ParetoError::Name);
        }
        Ok(ParetoSettings { shares, names })
    }

    /// The name of segment `number` (1-based), or "Segment n" for one a later cut removed.
    pub fn name(&self, number: u8) -> String {
        self.names
            .get(usize::from(number).wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| format!("Segment {number}"))
    }
}

/// One account on the curve.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint<K> {
    pub key: K,
    pub mrr: Decimal,
    /// Share of all revenue held by this account and every larger one, 0..=1.
    pub cumulative_share: f64,
    /// 1-based.
    pub segment: u8,
}

/// One segment of a Pareto cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// 1-based.
    pub number: u8,
    pub accounts: usize,
    pub mrr: Decimal,
    pub share_of_accounts: f64,
    pub share_of_revenue: f64,
    /// The smallest MRR in the segment: its "floor".
    pub floor_mrr: Decimal,
}

/// The curve and its segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Pareto<K> {
    pub points: Vec<ParetoPoint<K>>,
    pub segments: Vec<Segment>,
    pub total_mrr: Decimal,
}

/// Orders accounts by MRR (largest first; equal MRRs keep their given order) and cuts them at
/// the cumulative revenue shares (percent, rising). A cut falls on the first account at which
/// the cumulative share reaches it; the rest form the last segment. Accounts without revenue
/// are left out: they hold no share of it.
pub fn pareto<K: Clone>(entries: &[(K, Decimal)], shares: &[u8]) -> Pareto<K> {
    let mut sorted: Vec<&(K, Decimal)> =
        entries.iter().filter(|(_, m)| *m > Decimal::ZERO).collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.1));
    let total: Decimal = sorted.iter().map(|(_, m)| *m).sum();
    let n = sorted.len();
    let share = |d: Decimal| -> f64 {
        if total.is_zero() {
            0.0
        } else {
            // Six places: enough for any chart, and the same figure on every machine.
            (d / total).round_dp(6).try_into().unwrap_or(0.0)
        }
    };
    let mut points = Vec::with_capacity(n);
    let mut segments: Vec<Segment> = Vec::new();
    let mut cuts = shares.iter().copied().peekable();
    let (mut running, mut start) = (Decimal::ZERO, 0usize);
    let mut number = 1u8;
    for (i, (key, mrr)) in sorted.iter().enumerate() {
        running += *mrr;
        // Exact in decimals: 45% is reached when running * 100 >= total * 45.
        let reached = |c: &u8| running * Decimal::ONE_HUNDRED >= total * Decimal::from(*c);
        let hit = cuts.peek().is_some_and(reached);
        points.push(ParetoPoint {
            key: key.clone(),
            mrr: *mrr,
            cumulative_share: share(running),
            segment: number,
        });
        if hit || i + 1 == n {
            // Several cuts can fall on one large account: skip the ones it passed.
            while cuts.peek().is_some_and(reached) {
                cuts.next();
            }
            let seg = &sorted[start..=i];
            let mrr: Decimal = seg.iter().map(|(_, m)| *m).sum();
            segments.push(Segment {
                number,
                accounts: seg.len(),
                mrr,
                share_of_accounts: seg.len() as f64 / n as f64,
                share_of_revenue: share(mrr),
                floor_mrr: seg.last().expect("segment not empty").1,
            });
            start = i + 1;
            number += 1;
        }
    }
    Pareto {
        points,
        segments,
        total_mrr: total,
    }
}

/// The segments of MRRs given in any order (see [`pareto`]).
pub fn segments(mrr: &[Decimal], shares: &[u8]) -> Vec<Segment> {
    let entries: Vec<((), Decimal)> = mrr.iter().map(|m| ((), *m)).collect();
    pareto(&entries, shares).segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn cuts_at_revenue_shares() {
        let mrr: Vec<Decimal> = [50, 30, 10, 5, 5].map(d).to_vec();
        let s = segments(&mrr, &[45, 75]);
        assert_eq!(
            s.iter().map(|x| x.accounts).collect::<Vec<_>>(),
            vec![1, 1, 3]
        );
        assert_eq!(s[1].floor_mrr, d(30));
        assert!((s[2].share_of_revenue - 0.2).abs() < 1e-9);
    }

    #[test]
    fn a_cut_reached_exactly_closes_its_segment_on_that_account() {
        let s = segments(&[25, 45, 30].map(d), &[45, 75]);
        assert_eq!(
            s.iter().map(|x| x.accounts).collect::<Vec<_>>(),
            vec![1, 1, 1]
        );
        assert_eq!(
            s.iter().map(|x| x.floor_mrr).collect::<Vec<_>>(),
            vec![d(45), d(30), d(25)]
        );
    }

    #[test]
    fn one_account_past_two_cuts_makes_one_segment_not_an_empty_one() {
        let s = segments(&[90, 5, 5].map(d), &[45, 75]);
        assert_eq!(s.iter().map(|x| x.accounts).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s[1].number, 2);
    }

    #[test]
    fn accounts_without_revenue_are_off_the_curve() {
        let p = pareto(&[("a", d(10)), ("b", d(0)), ("c", d(30))], &[45, 75]);
        assert_eq!(
            p.points.iter().map(|p| p.key).collect::<Vec<_>>(),
            vec!["c", "a"]
        );
        assert!(pareto::<&str>(&[("b", d(0))], &[45]).segments.is_empty());
    }

    #[test]
    fn settings_name_what_is_wrong() {
        assert!(ParetoSettings::new(vec![75, 45], vec!["a".into(); 3]).is_err());
        assert!(
            ParetoSettings::new(vec![0, 45], vec!["a".into(), "b".into(), "c".into()]).is_err()
        );
        assert_eq!(
            ParetoSettings::new(vec![45], vec!["a".into()]),
            Err(ParetoError::Names {
                names: 1,
                shares: 1
            })
        );
        assert!(ParetoSettings::new(vec![45], vec!["a".into(), "a".into()]).is_err());
        let s = ParetoSettings::new(vec![60], vec!["Named".into(), "Pooled".into()]).unwrap();
        assert_eq!(s.name(2), "Pooled");
        assert_eq!(s.name(3), "Segment 3");
    }

    proptest! {
        #[test]
        fn segments_cover_every_paying_account_once_in_falling_order(
            mrr in proptest::collection::vec(0i64..100_000, 0..300),
        ) {
            let entries: Vec<(usize, Decimal)> = mrr.iter().map(|m| d(*m)).enumerate().collect();
            let p = pareto(&entries, &[45, 75]);
            let paying = mrr.iter().filter(|m| **m > 0).count();
            prop_assert_eq!(p.points.len(), paying);
            prop_assert_eq!(p.segments.iter().map(|s| s.accounts).sum::<usize>(), paying);
            prop_assert!(p.points.windows(2).all(|w| w[0].mrr >= w[1].mrr && w[0].segment <= w[1].segment));
            prop_assert!(p.segments.len() <= 3);
            // Each segment but the last reaches its cut; before its last account it did not.
            for (s, cut) in p.segments.iter().zip([45.0, 75.0]) {
                if s.number as usize == p.segments.len() { break; }
                let last = p.points.iter().rfind(|x| x.segment == s.number).unwrap();
                prop_assert!(last.cumulative_share * 100.0 >= cut - 1e-9);
            }
            if let Some(last) = p.points.last() {
                prop_assert!((last.cumulative_share - 1.0).abs() < 1e-9);
            }
        }
    }
}
