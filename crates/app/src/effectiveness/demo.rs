//! The demo book's effectiveness: its product's model, and each account's phase history over
//! the last quarter, judged as the weekly health snapshots were taken: from each snapshot's
//! metrics and the users the demo's own events gave each feature that week (counted as its
//! usage was drawn).

use crate::{App, Result};
use chrono::NaiveDate;
use sherpa_core::demo::{
    DemoAccount, DemoBook, demo_adoption, demo_effectiveness, demo_model, feature_users,
};
use sherpa_core::effectiveness::{EffectivenessModel, FeatureUse, Measures};
use sherpa_core::health::Metrics;
use sherpa_core::*;
use sherpa_store::{DemoVoice, EffectivenessRun, PhaseMove, PhaseRecord};
use std::collections::HashMap;

/// Accounts whose weeks are judged at a time.
const PART: usize = 1_000;

impl App {
    /// Puts the demo product's model in force, records each account's phase at each week of
    /// `voice` that has its health snapshot (the first it has is its baseline), from that
    /// snapshot's metrics and the feature users counted as the usage was drawn, and judges
    /// today's; puts its offerings' features in force and works out each account's whitespace.
    pub async fn load_demo_effectiveness(
        &self,
        book: &DemoBook,
        voice: &DemoVoice,
    ) -> Result<EffectivenessRun> {
        let actor = Actor::system("demo");
        self.store
            .set_effectiveness_config(&actor, &demo_effectiveness(), "the demo product's model")
            .await?;
        let model = demo_model();
        for start in (0..book.accounts).step_by(PART) {
            let range = start..(start + PART).min(book.accounts);
            let ids: Vec<AccountId> = range.clone().map(|i| AccountId(i as i64 + 1)).collect();
            let metrics = self.store.snapshot_metrics(&ids, &voice.weeks).await?;
            let records: Vec<(AccountId, PhaseRecord)> = range
                .flat_map(|i| {
                    let a = book.account(i);
                    weekly_phases(&model, book, &a, i, voice, &metrics)
                })
                .collect();
            self.store.add_effectiveness_history(&records).await?;
        }
        let run = self
            .store
            .assess_effectiveness(None, PhaseMove::ByData)
            .await?;
        // Its offerings' features, and each account's whitespace from today's feature use.
        self.store
            .set_adoption_config(&actor, &demo_adoption(), "the demo product's offerings")
            .await?;
        self.store.keep_whitespace(None).await?;
        Ok(run)
    }
}

/// Account `i`'s phase at each week it has a snapshot of: its first is the baseline, then
/// each change.
fn weekly_phases(
    model: &EffectivenessModel,
    book: &DemoBook,
    a: &DemoAccount,
    i: usize,
    voice: &DemoVoice,
    metrics: &HashMap<(AccountId, NaiveDate), Metrics>,
) -> Vec<(AccountId, PhaseRecord)> {
    let id = AccountId(i as i64 + 1);
    let counted = voice.feature_weeks.get(i).map_or(&[][..], Vec::as_slice);
    let mut out: Vec<(AccountId, PhaseRecord)> = Vec::new();
    for (day, users) in voice.weeks.iter().zip(counted) {
        // Day 1 is the day it became a customer: a week before that has no baseline to give.
        let customer = a.fields.customer_since.is_some_and(|since| since <= *day);
        let Some(m) = metrics.get(&(id, *day)).filter(|_| customer) else {
            continue;
        };
        // Feature use is known once usage is: the health metrics then say when it last was.
        let used = m.contains_key("days_since_login").then(|| FeatureUse {
            seats: book.seats_on(a, *day),
            users: feature_users(users),
        });
        let metric = |k: &str| m.get(k).copied();
        let judged = model.assess(&Measures {
            metric: &metric,
            features: used.as_ref(),
        });
        let why = match out.last() {
            None => PhaseMove::Baseline,
            Some((_, last)) if last.phase != judged.phase => PhaseMove::ByData,
            Some(_) => continue,
        };
        out.push((
            id,
            PhaseRecord {
                model: judged.model,
                phase: judged.phase,
                on: *day,
                why,
                behaviours: judged.behaviours,
            },
        ));
    }
    out
}
