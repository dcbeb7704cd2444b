//! Each person's time zone: their "today" (what is overdue, due today, due this week for them)
//! follows it; a person without one follows the team's, the zone the cadences' periods start in.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::User;
use sherpa_core::clock::{day_in, time_zone};

impl App {
    /// Sets the caller's own time zone; empty text follows the team's again.
    pub async fn set_my_time_zone(&self, by: &Caller, zone: &str) -> Result<User> {
        let me = by.person()?;
        let zone = zone.trim();
        let zone = if zone.is_empty() {
            None
        } else {
            Some(time_zone(zone).map_err(|e| Error::invalid("time_zone", e))?)
        };
        Ok(self
            .store
            .set_time_zone(&by.actor(), me.id, zone.as_ref().map(|z| z.name()))
            .await?)
    }

    /// The day it is for `person`: in their time zone, else the team's.
    pub async fn today_of(&self, person: &User) -> Result<NaiveDate> {
        let zone = match &person.time_zone {
            Some(z) => z.clone(),
            None => self.store.prioritisation_rules().await?.cadences.time_zone,
        };
        let now = self.store.clock().now();
        Ok(match time_zone(&zone) {
            Ok(tz) => day_in(now, tz),
            // A zone stored before it was checked reads as UTC rather than failing a page.
            Err(_) => now.date_naive(),
        })
    }
}
