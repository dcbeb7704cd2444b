//! The engagement engine as leaders set it up: checking or saving the engagement models and
//! the rules that assign them, recording a product release that models may react to, and
//! running the engine now.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::book::limits;
use sherpa_core::engagement::EngagementConfig;
use sherpa_core::{optional_text, required_text};
use sherpa_store::{EngagementSweep, ProductRelease};

/// Record a product release.
#[derive(Debug, Clone)]
pub struct RecordRelease {
    pub name: String,
    /// Today when none.
    pub released_on: Option<NaiveDate>,
    pub notes: String,
}

impl App {
    /// Whether `config` differs from the one in force, without saving it (leaders and
    /// admins). A bad configuration is refused with its key (`models[1].moments[2].when`).
    pub async fn check_engagement_config(
        &self,
        by: &Caller,
        config: &EngagementConfig,
    ) -> Result<bool> {
        by.may(|u| u.may_manage_book())?;
        config.check().map_err(|e| {
            let (key, message) = e.split_once(": ").unwrap_or(("engagement", &e));
            Error::invalid(key, message)
        })?;
        Ok(self.store.engagement_config().await? != *config)
    }

    /// Saves `config` as the one in force when it differs (leaders and admins); answers
    /// whether it saved. The engine follows it from its next sweep.
    pub async fn save_engagement_config(
        &self,
        by: &Caller,
        config: &EngagementConfig,
    ) -> Result<bool> {
        if !self.check_engagement_config(by, config).await? {
            return Ok(false);
        }
        Ok(self
            .store
            .set_engagement_config(&by.actor(), config)
            .await?)
    }

    /// Records a release (leaders and admins): accounts whose model reacts to one get their
    /// moment at the next sweep.
    pub async fn record_release(&self, by: &Caller, cmd: RecordRelease) -> Result<ProductRelease> {
        by.may(|u| u.may_manage_book())?;
        let name = required_text("name", &cmd.name, limits::NAME)
            .map_err(|e| Error::invalid("name", e.0))?;
        let notes = optional_text("notes", &cmd.notes, limits::LONG_TEXT)
            .map_err(|e| Error::invalid("notes", e.0))?
            .unwrap_or_default();
        let on = cmd
            .released_on
            .unwrap_or_else(|| self.store.clock().today());
        Ok(self
            .store
            .record_release(&by.actor(), &name, on, &notes)
            .await?)
    }

    /// Runs the engagement engine over the whole book now (leaders and admins), as its
    /// scheduled sweep does: after a configuration change, or to see a switched-on action go
    /// out.
    pub async fn run_engagement(&self, by: &Caller) -> Result<EngagementSweep> {
        by.may(|u| u.may_manage_book())?;
        Ok(self.store.run_engagement().await?)
    }
}
