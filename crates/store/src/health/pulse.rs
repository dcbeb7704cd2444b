//! The CSM pulse (seed 003): the CSM's own green, yellow or red for an account, with a note
//! saying why. It counts in the health score as a factor until it expires, so a judgement
//! made once does not speak for the account forever. Every pulse is kept.

use crate::rows::{day, parse, time};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::health::Colour;
use sherpa_core::text::date;
use sherpa_core::*;

/// The longest a pulse may count for.
pub const PULSE_MAX_DAYS: i64 = 180;

/// A CSM's pulse of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct CsmPulse {
    pub colour: Colour,
    pub note: String,
    pub set_by: Option<UserId>,
    pub set_at: DateTime<Utc>,
    /// The last day it counts.
    pub expires_on: NaiveDate,
}

impl Store {
    /// Sets the account's pulse for `days` days (1 to 180). Orange is the score's colour, not
    /// a pulse: a CSM says green, yellow or red.
    pub async fn set_csm_pulse(
        &self,
        actor: &Actor,
        id: AccountId,
        colour: Colour,
        note: &str,
        days: i64,
    ) -> Result<CsmPulse> {
        if colour == Colour::Orange {
            return Err(StoreError::invalid(
                "colour",
                "a pulse is green, yellow or red",
            ));
        }
        if !(1..=PULSE_MAX_DAYS).contains(&days) {
            return Err(StoreError::invalid(
                "expires_in_days",
                format!("{days} is not between 1 and {PULSE_MAX_DAYS}"),
            ));
        }
        let note = required_text("note", note, limits::LONG_TEXT)
            .map_err(|e| StoreError::invalid("note", e.0))?;
        self.account(id).await?;
        let now = self.now();
        let expires_on = self.clock().today() + chrono::Days::new(days as u64);
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO csm_pulses (account_id, colour, note, set_by, set_at, expires_on) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(colour.as_str())
        .bind(&note)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .bind(date(expires_on))
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "account_id": id.0,
            "colour": colour.as_str(),
            "note": note,
            "expires_on": date(expires_on),
        });
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "create",
            "csm_pulse",
            id,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        self.health_watch().mark([id]);
        Ok(CsmPulse {
            colour,
            note,
            set_by: actor.user_id,
            set_at: time("set_at", &now)?,
            expires_on,
        })
    }

    /// The pulse that counts today, if any.
    pub async fn csm_pulse(&self, id: AccountId) -> Result<Option<CsmPulse>> {
        let row: Option<(String, String, Option<i64>, String, String)> = sqlx::query_as(
            "SELECT colour, note, set_by, set_at, expires_on FROM csm_pulses \
             WHERE account_id = $1 AND expires_on >= $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(id.0)
        .bind(date(self.clock().today()))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(colour, note, by, at, expires)| {
            Ok(CsmPulse {
                colour: parse("colour", &colour)?,
                note,
                set_by: by.map(UserId),
                set_at: time("set_at", &at)?,
                expires_on: day("expires_on", &expires)?,
            })
        })
        .transpose()
    }
}
