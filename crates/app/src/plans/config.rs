//! The plans configuration (the dimensions blockers are classified in, the shared blocker
//! labels, the templates of model customers) saved as a whole by the people who run the book,
//! through the same checks whichever door it comes by: the templates page's forms and editor,
//! `PUT /api/v1/plans/config` and `sherpa config import`.

use crate::{App, Caller, Error, Result};
use sherpa_core::plan::PlansConfig;

impl App {
    /// Whether `config` differs from the one in force, without saving it (leaders and
    /// admins). A bad one is refused with its key (`templates[1].steps[0].due_days`).
    pub async fn check_plans_config(&self, by: &Caller, config: &PlansConfig) -> Result<bool> {
        by.may(|u| u.may_manage_book())?;
        config
            .check()
            .map_err(|e| Error::invalid(&e.key, e.message))?;
        Ok(self.store.plans_config().await? != *config)
    }

    /// Saves `config` as the one in force when it differs (leaders and admins); answers
    /// whether it saved. Plans started from now on follow its templates; plans already
    /// started keep what they were given.
    pub async fn save_plans_config(&self, by: &Caller, config: &PlansConfig) -> Result<bool> {
        if !self.check_plans_config(by, config).await? {
            return Ok(false);
        }
        self.store.set_plans_config(&by.actor(), config).await?;
        Ok(true)
    }
}
