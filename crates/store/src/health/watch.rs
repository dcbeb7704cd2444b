//! Which accounts' health inputs changed since their metrics were last computed. Every write
//! that feeds a metric marks its accounts here after it commits; the server's refresher waits
//! on it and recomputes them within a second, and a read of one account's health recomputes
//! it first if it is marked, so a user always reads what they just wrote.
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
    dirty: Mutex<Dirty>,
    changed: Notify,
    /// The feature catalogue as health counts it, with the day it was read for: reading it
    /// scans every account's recent usage, too much to repeat for each refresh, so it is read
    /// once a day and again when an admin changes the catalogue.
    pub(super) catalogue: Mutex<Option<(NaiveDate, FeatureCatalogue)>>,
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
    pub fn mark(&self, ids: impl IntoIterator<Item = AccountId>) {
        let mut d = self.dirty.lock().expect("the health marks");
        let before = d.accounts.len();
        d.accounts.extend(ids);
        if d.accounts.len() > before {
            self.changed.notify_one();
        }
    }

    pub fn mark_all(&self) {
        self.dirty.lock().expect("the health marks").all = true;
        self.changed.notify_one();
    }

    pub fn mark_rescore(&self) {
        self.dirty.lock().expect("the health marks").rescore = true;
        self.changed.notify_one();
    }

    /// Takes every mark, leaving none.
    pub fn take(&self) -> Dirty {
        std::mem::take(&mut *self.dirty.lock().expect("the health marks"))
    }

    /// Takes the mark of one account: whether it was marked.
    pub fn take_one(&self, id: AccountId) -> bool {
        let mut d = self.dirty.lock().expect("the health marks");
        d.all || d.accounts.remove(&id)
    }

    /// Waits until something is marked (at once if something already is).
    pub async fn changed(&self) {
        if !self.dirty.lock().expect("the health marks").is_empty() {
            return;
        }
        self.changed.notified().await;
    }
}
