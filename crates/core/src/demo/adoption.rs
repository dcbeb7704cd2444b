//! The demo product's features by function and the offerings that entitle them: reporting and
//! collaboration come with every plan, automation with Professional and Enterprise, planning
//! and administration with Enterprise.

use super::FEATURES;
use crate::adoption::{AdoptionConfig, FeatureSetting};

/// The demo's adoption configuration.
pub fn demo_adoption() -> AdoptionConfig {
    let pro = ["Sherpa Cloud Professional", "Sherpa Cloud Enterprise"];
    let enterprise = ["Sherpa Cloud Enterprise"];
    let set = |i: usize, function: &str, products: &[&str]| FeatureSetting {
        feature: FEATURES[i].into(),
        function: function.into(),
        products: products.iter().map(|p| p.to_string()).collect(),
    };
    AdoptionConfig {
        features: vec![
            set(0, "Reporting", &[]),
            set(1, "Reporting", &[]),
            set(2, "Reporting", &[]),
            set(3, "Reporting", &[]),
            set(7, "Collaboration", &[]),
            set(8, "Collaboration", &[]),
            set(4, "Automation", &pro),
            set(5, "Automation", &pro),
            set(6, "Automation", &pro),
            set(10, "Planning", &enterprise),
            set(9, "Administration", &enterprise),
            set(11, "Administration", &enterprise),
        ],
    }
}

#[cfg(test)]
mod tests {
    use crate::adoption::{cells, whitespace};
    use crate::effectiveness::{FeatureUse, Measures};
    use proptest::prelude::*;

    proptest! {
        /// On usage none of us wrote: an account whose people use at least what another's do
        /// (every feature by as many people or more, the same seats and offering) never has
        /// more whitespace and is never judged less effective.
        #[test]
        fn more_whitespace_is_never_more_effective(
            base in proptest::collection::vec(0u32..30, 12),
            extra in proptest::collection::vec(0u32..10, 12),
            seats in 1i64..200,
            offering in 0usize..3,
            utilisation in 0.0f64..100.0,
        ) {
            let config = super::demo_adoption();
            let columns = config.columns(super::FEATURES);
            let owned = [crate::demo::names::PRODUCTS[offering].to_string()];
            let model = crate::demo::demo_model();
            let used = |users: &[u32]| FeatureUse {
                seats: Some(seats),
                users: super::FEATURES
                    .iter()
                    .zip(users)
                    .filter(|(_, n)| **n > 0)
                    .map(|(f, n)| (f.to_string(), *n))
                    .collect(),
            };
            let less = used(&base);
            let more_users: Vec<u32> = base.iter().zip(&extra).map(|(b, e)| b + e).collect();
            let more = used(&more_users);
            let metric = |k: &str| (k == "seat_utilisation").then_some(utilisation);
            let judge = |u: &FeatureUse| {
                let phase = model.assess(&Measures { metric: &metric, features: Some(u) }).phase;
                (whitespace(&cells(&columns, &owned, Some(u))).unwrap(), phase)
            };
            let (ws_less, phase_less) = judge(&less);
            let (ws_more, phase_more) = judge(&more);
            prop_assert!(ws_more <= ws_less);
            prop_assert!(phase_more >= phase_less, "{} then {}", phase_less, phase_more);
        }
    }

    #[test]
    fn every_demo_feature_has_its_function() {
        let c = super::demo_adoption();
        c.check().unwrap();
        assert_eq!(c.features.len(), super::FEATURES.len());
        for f in super::FEATURES {
            assert!(c.setting(f).is_some(), "{f}");
        }
    }
}
