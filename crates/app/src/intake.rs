//! The product-usage intake as an admin tunes it: how long raw events are kept (daily rollups
//! are kept forever), and which feature each event counts as.

use crate::{App, Caller, Error, Result};
use sherpa_core::required_text;

/// The days raw events may be kept: at least one, at most a hundred years.
pub const RETENTION_DAYS: std::ops::RangeInclusive<i64> = 1..=36_500;

/// Count an event as a product feature.
#[derive(Debug, Clone)]
pub struct MapFeature {
    /// The event's name as the product sends it ("Report Exported").
    pub event: String,
    /// The feature it counts as; several events may make one.
    pub feature: String,
    /// A feature whose use says the customer gets the product's value.
    pub high_value: bool,
}

impl App {
    /// Keeps raw events `days` days (admins).
    pub async fn set_event_retention(&self, by: &Caller, days: i64) -> Result<()> {
        by.may(|u| u.may_administer())?;
        if !RETENTION_DAYS.contains(&days) {
            return Err(Error::invalid(
                "event_retention_days",
                "between 1 and 36,500 days",
            ));
        }
        Ok(self
            .store
            .set_event_retention_days(&by.actor(), days)
            .await?)
    }

    /// Names the feature an event counts as (admins).
    pub async fn map_feature(&self, by: &Caller, cmd: MapFeature) -> Result<()> {
        by.may(|u| u.may_administer())?;
        let event =
            required_text("event", &cmd.event, 512).map_err(|e| Error::invalid("event", e.0))?;
        let feature = required_text("feature", &cmd.feature, 200)
            .map_err(|e| Error::invalid("feature", e.0))?;
        Ok(self
            .store
            .set_feature(&by.actor(), &event, &feature, cmd.high_value)
            .await?)
    }
}
