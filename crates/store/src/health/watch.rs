//! Which accounts' health inputs changed since their metrics were last computed. Every write
//! that feeds a metric marks its accounts here after it commits; the server's refresher waits
//! on it and recomputes them within a second, and a read of one account's health recomputes
//! it first if it is marked or taken by a pass that has not finished, so a user always reads
//! what they just wrote.
//!
//! The marks live in this process's memory: a second server on the same PostgreSQL does not
//! see the first one's marks, and the daily rebuild is what brings its accounts up to date.

use chrono::NaiveDate;
use sherpa_core::AccountId;
use sherpa_core::health::FeatureCatalogue;
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct HealthWatch {
    dirty: Mutex<Marks>,
    changed: Notify,
    /// The feature catalogue as health counts it, with the day it was read for: reading it
    /// scans every account's recent usage, too much to repeat for each refresh, so it is read
    /// once a day and again when an admin changes the catalogue.
    pub(super) catalogue: Mutex<Option<(NaiveDate, FeatureCatalogue)>>,
}

/// The marks waiting, and those a pass has taken and not yet finished.
#[derive(Debug, Default)]
struct Marks {
    waiting: Dirty,
    in_flight: Dirty,
}

/// Accounts waiting for a refresh.
#[derive(Debug, Default)]
pub struct Dirty {
    pub accounts: HashSet<AccountId>,
    /// Every account (the feature catalogue changed, or accounts were imported in bulk).
    pub all: bool,
    /// Every account re-scored from its kept metrics (what assigns scorecards changed).
    pub rescore: bool,
}

impl Dirty {
    pub fn is_empty(&self) -> bool {
        !self.all && !self.rescore && self.accounts.is_empty()
    }
}

impl HealthWatch {
    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.dirty.lock().expect("the health marks")
    }

    pub fn mark(&self, ids: impl IntoIterator<Item = AccountId>) {
        let mut m = self.marks();
        let before = m.waiting.accounts.len();
        m.waiting.accounts.extend(ids);
        if m.waiting.accounts.len() > before {
            self.changed.notify_one();
        }
    }

    pub fn mark_all(&self) {
        self.marks().waiting.all = true;
        self.changed.notify_one();
    }

    pub fn mark_rescore(&self) {
        self.marks().waiting.rescore = true;
        self.changed.notify_one();
    }

    /// Takes every mark, leaving none waiting. They stay in flight until [`Self::finish`]: a
    /// read meanwhile recomputes the account itself rather than read what is not written yet.
    pub fn take(&self) -> Dirty {
        let mut m = self.marks();
        let taken = std::mem::take(&mut m.waiting);
        m.in_flight.accounts.extend(taken.accounts.iter().copied());
        m.in_flight.all |= taken.all;
        taken
    }

    /// The pass that took `done` has written it (or given it back as marks).
    pub fn finish(&self, done: &Dirty) {
        let mut m = self.marks();
        for id in &done.accounts {
            m.in_flight.accounts.remove(id);
        }
        if done.all {
            m.in_flight.all = false;
        }
    }

    /// Takes the mark of one account: whether it was marked or is in flight.
    pub fn take_one(&self, id: AccountId) -> bool {
        let mut m = self.marks();
        m.waiting.all
            || m.in_flight.all
            || m.waiting.accounts.remove(&id)
            || m.in_flight.accounts.contains(&id)
    }

    /// Waits until something is marked (at once if something already is).
    pub async fn changed(&self) {
        if !self.marks().waiting.is_empty() {
            return;
        }
        self.changed.notified().await;
    }
}
