use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A three-phase model on features and a metric.
fn model() -> EffectivenessModel {
    EffectivenessModel {
        name: "Reporting".into(),
        description: String::new(),
        met_percent: 100,
        phase_days: DEFAULT_PHASE_DAYS,
        phases: vec![
            phase(
                "Basics",
                "",
                vec![on_feature_users("Reports", "Report Built", 3)],
            ),
            phase(
                "Sharing",
                "",
                vec![
                    on_feature_seats("Shared widely", "Report Shared", 25.0),
                    on_metric("Seats in use", "seat_utilisation", Some(50.0), None),
                ],
            ),
            phase(
                "Automated",
                "",
                vec![on_feature_users("Workflows", "Workflow Automated", 2)],
            ),
        ],
    }
}

fn used(seats: Option<i64>, users: &[(&str, u32)]) -> FeatureUse {
    FeatureUse {
        seats,
        users: users.iter().map(|(f, n)| (f.to_string(), *n)).collect(),
    }
}

fn assess(
    m: &EffectivenessModel,
    metrics: &BTreeMap<String, f64>,
    f: Option<&FeatureUse>,
) -> Assessment {
    let metric = |k: &str| metrics.get(k).copied();
    m.assess(&Measures {
        metric: &metric,
        features: f,
    })
}

#[test]
fn the_phase_is_the_highest_whose_behaviours_are_all_met() {
    let m = model();
    let metrics = BTreeMap::from([("seat_utilisation".to_string(), 60.0)]);
    let f = used(Some(40), &[("Report Built", 5), ("Report Shared", 10)]);
    let a = assess(&m, &metrics, Some(&f));
    assert_eq!(a.phase, 2, "{a:?}");
    assert_eq!(a.phase_name(&m), "Sharing");
    assert_eq!(
        a.behaviours[1][0],
        Judged {
            value: Some(25.0),
            met: true
        }
    );
    assert_eq!(
        a.next_steps(),
        Some((3, vec![0])),
        "the workflows are what to do next"
    );

    let few = used(Some(40), &[("Report Built", 2), ("Report Shared", 9)]);
    let a = assess(&m, &metrics, Some(&few));
    assert_eq!(
        a.phase, 0,
        "9 of 40 seats is under a quarter and 2 users under 3"
    );
    assert_eq!(a.phase_name(&m), BEFORE_FIRST_PHASE);
    assert_eq!(a.next_steps(), Some((1, vec![0])));
}

#[test]
fn an_unmeasured_behaviour_is_not_met_and_says_so() {
    let m = model();
    let no_metrics = BTreeMap::new();
    // No seats on the contract: a share of seats cannot be measured.
    let f = used(None, &[("Report Built", 5), ("Report Shared", 10)]);
    let a = assess(&m, &no_metrics, Some(&f));
    assert_eq!(
        a.behaviours[1][0],
        Judged {
            value: None,
            met: false
        }
    );
    assert_eq!(
        a.behaviours[1][1],
        Judged {
            value: None,
            met: false
        }
    );
    assert_eq!(a.phase, 1);
    // No usage ever arrived: nobody is counted as zero users.
    let a = assess(&m, &no_metrics, None);
    assert_eq!(a.behaviours[0][0].value, None);
    // Usage arrived, and nobody used the feature: that is zero, measured.
    let a = assess(&m, &no_metrics, Some(&used(Some(10), &[])));
    assert_eq!(
        a.behaviours[0][0],
        Judged {
            value: Some(0.0),
            met: false
        }
    );
}

#[test]
fn a_share_of_a_phases_behaviours_can_reach_it() {
    let mut m = model();
    m.met_percent = 50;
    let metrics = BTreeMap::from([("seat_utilisation".to_string(), 60.0)]);
    let f = used(Some(100), &[("Report Built", 5), ("Report Shared", 1)]);
    assert_eq!(
        assess(&m, &metrics, Some(&f)).phase,
        2,
        "one of two is half"
    );
    m.met_percent = 100;
    assert_eq!(assess(&m, &metrics, Some(&f)).phase, 1);
}

#[test]
fn the_default_configuration_is_valid_and_reads_back() {
    let c = EffectivenessConfig::default();
    c.check().unwrap();
    let text = toml::to_string(&c).unwrap();
    assert_eq!(toml::from_str::<EffectivenessConfig>(&text).unwrap(), c);
    assert!(c.model_for(&Default::default()).is_some());
}

#[test]
fn a_bad_configuration_names_its_key() {
    let key = |c: &EffectivenessConfig| c.check().unwrap_err().key;
    let with = |m: EffectivenessModel| EffectivenessConfig {
        rules: vec![crate::assignment::AssignmentRule {
            when: Default::default(),
            then: m.name.clone(),
        }],
        models: vec![m],
    };
    let mut m = model();
    m.phases.truncate(2);
    let e = with(m).check().unwrap_err();
    assert_eq!(e.key, "models[0].phases");
    assert!(e.message.contains("3 to 7"), "{e}");

    let mut m = model();
    m.phases[1].behaviours[1].metric = Some("vibes".into());
    assert_eq!(key(&with(m)), "models[0].phases[1].behaviours[1].metric");

    let mut m = model();
    m.phases[0].behaviours[0].users_at_least = None;
    assert_eq!(
        key(&with(m)),
        "models[0].phases[0].behaviours[0].users_at_least"
    );

    let mut m = model();
    m.phases[1].behaviours[0].seats_percent_at_least = Some(120.0);
    assert_eq!(
        key(&with(m)),
        "models[0].phases[1].behaviours[0].seats_percent_at_least"
    );

    let mut m = model();
    m.phases[1].behaviours[1].at_most = Some(10.0);
    assert_eq!(key(&with(m)), "models[0].phases[1].behaviours[1].at_most");

    let mut m = model();
    m.phases[2].name = "Basics".into();
    assert_eq!(key(&with(m)), "models[0].phases[2].name");

    let mut m = model();
    m.met_percent = 0;
    assert_eq!(key(&with(m)), "models[0].met_percent");

    let mut c = with(model());
    c.rules[0].then = "Gone".into();
    assert_eq!(key(&c), "rules[0].then");
}

#[test]
fn behaviours_read_as_a_person_would_say_them() {
    let m = model();
    assert_eq!(
        m.phases[0].behaviours[0].describe(),
        "Report Built used by at least 3 people in the last 30 days"
    );
    assert_eq!(
        m.phases[1].behaviours[0].describe(),
        "Report Shared used by at least 25% of the seats in the last 30 days"
    );
    assert_eq!(
        m.phases[1].behaviours[1].describe(),
        "Seat utilisation at least 50%"
    );
    let login = on_metric("x", "days_since_login", None, Some(7.0));
    assert_eq!(login.describe(), "Days since the last login at most 7 days");
}

proptest! {
    /// Using a feature more, or by more people, never makes an account less effective.
    #[test]
    fn more_use_never_lowers_the_phase(
        built in 0u32..10, shared in 0u32..40, flows in 0u32..5, seats in 1i64..60,
        utilisation in 0.0f64..100.0, more in 0u32..10, which in 0usize..3,
    ) {
        let m = model();
        let metrics = BTreeMap::from([("seat_utilisation".to_string(), utilisation)]);
        let before = used(Some(seats), &[("Report Built", built), ("Report Shared", shared), ("Workflow Automated", flows)]);
        let mut after = before.clone();
        let feature = ["Report Built", "Report Shared", "Workflow Automated"][which];
        *after.users.entry(feature.to_string()).or_default() += more;
        let (b, a) = (assess(&m, &metrics, Some(&before)), assess(&m, &metrics, Some(&after)));
        prop_assert!(a.phase >= b.phase, "{} then {}", b.phase, a.phase);
    }
}

#[test]
fn an_unmet_behaviour_becomes_an_objective_from_today_to_its_threshold() {
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let (today, by) = (day("2026-11-23"), day("2027-02-21"));
    let shared = Behaviour {
        name: "Reports shared".into(),
        feature: Some("Report Shared".into()),
        seats_percent_at_least: Some(30.0),
        ..Default::default()
    };
    let o = shared.objective(Some(10.0), today, by);
    assert_eq!(o.key, "reports-shared");
    assert_eq!(o.measure.unit, "% of seats using Report Shared");
    assert_eq!(
        (o.measure.baseline, o.measure.target),
        (10.into(), 30.into())
    );
    assert_eq!((o.measure.baseline_on, o.measure.target_on), (today, by));
    assert!(o.measure.check().is_ok());
    // Unmeasured starts from nothing.
    assert_eq!(shared.objective(None, today, by).measure.baseline, 0.into());

    // A ceiling is reached downwards; with both bounds, the one the value is past.
    let escalations = Behaviour {
        name: "Calm".into(),
        metric: Some("days_since_login".into()),
        at_most: Some(7.0),
        ..Default::default()
    };
    assert_eq!(escalations.target(Some(20.0)), 7.0);
    let band = Behaviour {
        at_least: Some(2.0),
        ..escalations.clone()
    };
    assert_eq!(band.target(Some(1.0)), 2.0);
    assert_eq!(band.target(Some(9.0)), 7.0);
    let o = escalations.objective(Some(20.0), today, by);
    assert!(o.measure.check().is_ok());
    assert!(o.measure.progress(7.into()) >= rust_decimal::Decimal::ONE);
    // A date already past still gives a valid objective.
    assert!(
        shared
            .objective(Some(10.0), today, day("2026-01-01"))
            .measure
            .check()
            .is_ok()
    );
}

#[test]
fn a_judged_behaviour_is_kept_short_and_read_in_either_form() {
    let j = Judged {
        value: Some(100.0 / 3.0),
        met: true,
    };
    assert_eq!(serde_json::to_string(&j).unwrap(), "[33.33,true]");
    let none = Judged {
        value: None,
        met: false,
    };
    assert_eq!(serde_json::to_string(&none).unwrap(), "[null,false]");
    let back: Vec<Judged> = serde_json::from_str(
        r#"[[33.33,true],{"value":null,"met":false},{"met":true,"value":2.0}]"#,
    )
    .unwrap();
    assert_eq!(back[0].value, Some(33.33));
    assert_eq!(back[1], none);
    assert_eq!(
        back[2],
        Judged {
            value: Some(2.0),
            met: true
        }
    );
}
