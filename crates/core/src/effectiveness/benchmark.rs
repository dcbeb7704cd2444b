//! Benchmarks against like companies: where an account's value of a behaviour falls among the
//! values of its peers (same segment, industry or size band). Never from fewer than
//! [`MIN_PEERS`] peers, so that no single customer's figure can be read off a benchmark.

use serde::{Deserialize, Serialize};

/// The fewest peers a benchmark is shown from.
pub const MIN_PEERS: usize = 5;

/// An account's place among its peers for one value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    /// 0 to 100: the share of peers below the value, ties counted half.
    pub percentile: f64,
    /// Peers the value was compared with (the account itself not among them).
    pub peers: usize,
    /// The peers' median.
    pub median: f64,
}

/// The benchmark of `value` among `peers`' values; none from fewer than [`MIN_PEERS`].
pub fn benchmark(value: f64, peers: &[f64]) -> Option<Benchmark> {
    if peers.len() < MIN_PEERS || !value.is_finite() {
        return None;
    }
    let below = peers.iter().filter(|p| **p < value).count() as f64;
    let tied = peers.iter().filter(|p| **p == value).count() as f64;
    let mut sorted: Vec<f64> = peers.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(Benchmark {
        percentile: (below + tied / 2.0) * 100.0 / n as f64,
        peers: n,
        median,
    })
}

/// A band of company sizes by employees, for "accounts of its size".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeBand {
    pub name: &'static str,
    /// Employees, both ends included.
    pub from: i64,
    pub to: i64,
}

const BANDS: [SizeBand; 5] = [
    SizeBand {
        name: "1-50 employees",
        from: 0,
        to: 50,
    },
    SizeBand {
        name: "51-200 employees",
        from: 51,
        to: 200,
    },
    SizeBand {
        name: "201-1,000 employees",
        from: 201,
        to: 1_000,
    },
    SizeBand {
        name: "1,001-5,000 employees",
        from: 1_001,
        to: 5_000,
    },
    SizeBand {
        name: "over 5,000 employees",
        from: 5_001,
        to: i64::MAX,
    },
];

/// The size band of a company with `employees`.
pub fn size_band(employees: Option<i64>) -> Option<SizeBand> {
    let e = employees?;
    BANDS.iter().copied().find(|b| b.from <= e && e <= b.to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_value_is_placed_among_its_peers() {
        let b = benchmark(30.0, &[10.0, 20.0, 30.0, 40.0, 50.0]).unwrap();
        assert_eq!(b.percentile, 50.0);
        assert_eq!((b.peers, b.median), (5, 30.0));
        assert_eq!(
            benchmark(60.0, &[10.0, 20.0, 30.0, 40.0, 50.0])
                .unwrap()
                .percentile,
            100.0
        );
        assert_eq!(
            benchmark(0.0, &[10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
                .unwrap()
                .median,
            35.0
        );
    }

    proptest! {
        /// Fewer than five peers never give a benchmark; five or more always do.
        #[test]
        fn no_benchmark_from_fewer_than_five_peers(
            value in -1e6f64..1e6, peers in proptest::collection::vec(-1e6f64..1e6, 0..12),
        ) {
            let b = benchmark(value, &peers);
            prop_assert_eq!(b.is_some(), peers.len() >= MIN_PEERS);
            if let Some(b) = b {
                prop_assert!((0.0..=100.0).contains(&b.percentile));
                prop_assert_eq!(b.peers, peers.len());
            }
        }
    }
}
