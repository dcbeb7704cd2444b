//! Pareto view of revenue (seed 002): accounts ordered by MRR, descending, with the cumulative
//! share of revenue, and the segments that cut it at chosen revenue shares.

use rust_decimal::Decimal;
use serde::Serialize;

/// One segment of a Pareto cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub accounts: usize,
    pub share_of_accounts: f64,
    pub share_of_revenue: f64,
    /// The smallest MRR in the segment: its "floor".
    pub floor_mrr: Decimal,
}

/// Cuts MRRs (any order) into segments at the given cumulative revenue shares (e.g. 0.45 and
/// 0.75), the rest forming the last segment. A cut falls on the first account at which the
/// cumulative share reaches the target.
pub fn segments(mrr: &[Decimal], cuts: &[f64]) -> Vec<Segment> {
    let mut sorted: Vec<Decimal> = mrr.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    let total: Decimal = sorted.iter().copied().sum();
    let n = sorted.len();
    if n == 0 || total.is_zero() {
        return Vec::new();
    }
    let share = |d: Decimal| -> f64 { (d / total).try_into().unwrap_or(0.0) };
    let mut out = Vec::new();
    let (mut start, mut running) = (0usize, Decimal::ZERO);
    let mut cuts = cuts.iter().copied().peekable();
    for (i, m) in sorted.iter().enumerate() {
        running += *m;
        let last = i + 1 == n;
        let hit = cuts.peek().is_some_and(|c| share(running) >= *c);
        if hit || last {
            if hit {
                cuts.next();
            }
            let seg = &sorted[start..=i];
            out.push(Segment {
                accounts: seg.len(),
                share_of_accounts: seg.len() as f64 / n as f64,
                share_of_revenue: share(seg.iter().copied().sum()),
                floor_mrr: *seg.last().expect("segment not empty"),
            });
            start = i + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_revenue_shares() {
        let mrr: Vec<Decimal> = [50, 30, 10, 5, 5]
            .iter()
            .map(|n| Decimal::from(*n))
            .collect();
        let s = segments(&mrr, &[0.45, 0.75]);
        assert_eq!(
            s.iter().map(|x| x.accounts).collect::<Vec<_>>(),
            vec![1, 1, 3]
        );
        assert_eq!(s[1].floor_mrr, Decimal::from(30));
        assert!((s[2].share_of_revenue - 0.2).abs() < 1e-9);
    }
}
