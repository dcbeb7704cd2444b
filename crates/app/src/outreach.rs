//! Low-touch automation as a leader handles it: preview who would receive what if a moment
//! came now (nothing is sent or written), and send a failed send again once its address or
//! receiver was fixed.

use crate::{App, Caller, Error, Result};
use sherpa_core::AccountId;
use sherpa_core::engagement::{EngagementConfig, MergeMoment};
use sherpa_store::{Occasion, PlannedSend, Send, SendQuery};

/// How many of a model's accounts a preview may cover.
pub const PREVIEW_ACCOUNTS: std::ops::RangeInclusive<usize> = 1..=200;

/// Preview a moment's email or webhook for the accounts that follow its model.
#[derive(Debug, Clone)]
pub struct PreviewMoment {
    pub model: String,
    pub moment: String,
    /// A configuration not saved yet; the one in force when none.
    pub config: Option<EngagementConfig>,
    pub limit: usize,
}

/// Who would receive what, account by account.
#[derive(Debug, Clone)]
pub struct MomentPreview {
    pub model: String,
    pub moment: String,
    pub title: String,
    /// Whether any of its actions is switched on.
    pub live: bool,
    pub accounts: Vec<(AccountId, String, Vec<PlannedSend>)>,
}

impl App {
    /// The letters and posts the moment would make now, each filled in, each skipped
    /// recipient with the reason (leaders and admins).
    pub async fn preview_moment(&self, by: &Caller, cmd: PreviewMoment) -> Result<MomentPreview> {
        by.may(|u| u.may_manage_book())?;
        if !PREVIEW_ACCOUNTS.contains(&cmd.limit) {
            return Err(Error::invalid(
                "limit",
                format!(
                    "from {} to {}",
                    PREVIEW_ACCOUNTS.start(),
                    PREVIEW_ACCOUNTS.end()
                ),
            ));
        }
        let config = match cmd.config {
            Some(c) => {
                c.check().map_err(|e| Error::invalid("config", e))?;
                c
            }
            None => self.store.engagement_config().await?,
        };
        let (model, key) = (&cmd.model, &cmd.moment);
        let m = config
            .model(model)
            .ok_or_else(|| Error::invalid("model", format!("no model named {model:?}")))?;
        let mo =
            m.moments.iter().find(|x| &x.key == key).ok_or_else(|| {
                Error::invalid("moment", format!("{model:?} has no moment {key:?}"))
            })?;
        if mo.email.is_none() && mo.webhook.is_none() {
            return Err(Error::invalid(
                "moment",
                format!("{key:?} has no email or webhook to preview"),
            ));
        }
        let merge = MergeMoment::of(&m.name, mo, &mo.when.describe(), "preview");
        let mut accounts = Vec::new();
        for (id, name) in self
            .store
            .accounts_following(&config, model, cmd.limit)
            .await?
        {
            let planned = self
                .store
                .plan_sends(&Occasion {
                    account: id.0,
                    merge: merge.clone(),
                    email: mo.email.as_ref(),
                    webhook: mo.webhook.as_ref(),
                })
                .await?;
            accounts.push((id, name, planned));
        }
        Ok(MomentPreview {
            model: m.name.clone(),
            moment: mo.key.clone(),
            title: mo.title.clone(),
            live: mo.email.as_ref().is_some_and(|e| e.live)
                || mo.webhook.as_ref().is_some_and(|w| w.live),
            accounts,
        })
    }

    /// Sends a failed send again (leaders and admins); only a failed send can be.
    pub async fn retry_send(&self, by: &Caller, id: i64) -> Result<Send> {
        by.may(|u| u.may_manage_book())?;
        if !self.store.retry_send(id).await? {
            return Err(Error::Conflict(format!(
                "send {id} is not a failed send that can be sent again"
            )));
        }
        self.store
            .sends(&SendQuery {
                ids: vec![id],
                limit: 1,
                ..Default::default()
            })
            .await?
            .pop()
            .ok_or_else(|| Error::NotFound(format!("no send {id}")))
    }
}
