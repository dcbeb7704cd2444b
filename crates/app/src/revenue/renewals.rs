//! The renewal pipeline and the CSM's call: every term ending within a window, with the date
//! to beat and the latest call; a call recorded (each one kept) closes the task that asked for
//! it.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::engagement::Trigger;
use sherpa_core::export::{Column, Table};
use sherpa_core::revenue::meddicc::MeddiccSwitches;
use sherpa_core::revenue::{
    Band, CALL_NOTE_MAX, Calibration, DEFAULT_WITHIN_DAYS, MAX_WITHIN_DAYS, RenewalCall, deadline,
};
use sherpa_core::*;
use sherpa_store::{CallMade, PipelineRenewal};

/// A renewal as the pipeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    pub stored: PipelineRenewal,
    pub days_to_renewal: i64,
    pub notice_date: Option<NaiveDate>,
    /// The notice date when there is one, else the end.
    pub deadline: NaiveDate,
    pub days_to_deadline: i64,
    /// Whether the one asking may make the call.
    pub may_call: bool,
    /// MEDDICC elements rated, of those in use.
    pub meddicc: (usize, usize),
    /// The modelled chance it renews: the probability table's figure for its colour and how
    /// far it is.
    pub probability: Option<rust_decimal::Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenewalPipeline {
    pub today: NaiveDate,
    pub within_days: i64,
    pub currency: Currency,
    pub renewals: Vec<Renewal>,
}

impl RenewalPipeline {
    /// One row per renewal, dates as dates and amounts as numbers, for the export and the
    /// report command.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "Account",
            "Sherpa id",
            "Contract id",
            "CSM",
            "ARR",
            "Currency",
            "Reporting ARR",
            "Reporting currency",
            "Ends on",
            "Days to renewal",
            "Notice days",
            "Notice by",
            "Deadline",
            "Auto-renew",
            "Health colour",
            "Health score",
            "Call",
            "Call note",
            "Call by",
            "Called on",
            "Renewal probability",
            "Next term signed",
        ])
        .with(Column::Text, &["Sherpa id", "Contract id"])
        .with(Column::Money, &["ARR", "Reporting ARR"])
        .with(
            Column::Whole,
            &["Days to renewal", "Notice days", "Health score"],
        );
        for r in &self.renewals {
            let st = &r.stored;
            let call = st.call.as_ref();
            t.rows.push(vec![
                st.name.clone(),
                st.account.to_string(),
                st.contract.to_string(),
                st.csm_name.clone().unwrap_or_default(),
                st.arr.fixed_amount(),
                st.arr.currency.code().to_string(),
                st.reporting_arr
                    .map(|m| m.fixed_amount())
                    .unwrap_or_default(),
                self.currency.code().to_string(),
                st.end.to_string(),
                r.days_to_renewal.to_string(),
                st.notice_days.map(|d| d.to_string()).unwrap_or_default(),
                r.notice_date.map(|d| d.to_string()).unwrap_or_default(),
                r.deadline.to_string(),
                st.auto_renew
                    .map(|a| if a { "yes" } else { "no" }.to_string())
                    .unwrap_or_default(),
                st.colour
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
                st.score.map(|v| format!("{v:.1}")).unwrap_or_default(),
                call.map(|c| c.call.as_str().to_string())
                    .unwrap_or_default(),
                call.map(|c| c.note.clone()).unwrap_or_default(),
                call.and_then(|c| c.by.clone()).unwrap_or_default(),
                call.map(|c| c.made_at.date_naive().to_string())
                    .unwrap_or_default(),
                r.probability
                    .map(|p| p.round_dp(4).to_string())
                    .unwrap_or_default(),
                if st.signed { "yes" } else { "no" }.into(),
            ]);
        }
        t
    }
}

/// A call on a renewal.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeCall {
    pub contract: ContractId,
    pub call: RenewalCall,
    pub note: String,
}

/// The window named in a query, checked.
pub fn within_days(raw: Option<i64>) -> Result<i64> {
    let d = raw.unwrap_or(DEFAULT_WITHIN_DAYS);
    if !(1..=MAX_WITHIN_DAYS).contains(&d) {
        return Err(Error::invalid(
            "within_days",
            format!("{d} is out of range: from 1 to {MAX_WITHIN_DAYS} days"),
        ));
    }
    Ok(d)
}

impl App {
    fn renewal(
        &self,
        by: &Caller,
        today: NaiveDate,
        switches: &MeddiccSwitches,
        table: &Calibration,
        r: PipelineRenewal,
    ) -> Renewal {
        let notice_date = notice_date(r.end, r.notice_days);
        let deadline = deadline(r.end, notice_date);
        Renewal {
            days_to_renewal: (r.end - today).num_days(),
            notice_date,
            deadline,
            days_to_deadline: (deadline - today).num_days(),
            may_call: by.may(|u| u.may_call_renewal(&r.owners)).is_ok(),
            meddicc: switches.completeness(&r.qualification.clone().unwrap_or_default()),
            probability: table.probability(r.colour, Band::of_days((r.end - today).num_days())),
            stored: r,
        }
    }

    /// Every term ending within `within_days` of today with no outcome yet, soonest first;
    /// with `mine`, only those of the accounts the caller owns.
    pub async fn renewals(
        &self,
        by: &Caller,
        within: Option<i64>,
        mine: bool,
    ) -> Result<RenewalPipeline> {
        let me = if mine { Some(by.person()?.id) } else { None };
        let within_days = within_days(within)?;
        let today = self.store.clock().today();
        let rows = self
            .store
            .renewal_pipeline(today, today + chrono::Days::new(within_days as u64), None)
            .await?;
        let switches = self.store.revenue_config().await?.meddicc;
        let (table, _, _) = self.probability_table().await?;
        Ok(RenewalPipeline {
            today,
            within_days,
            currency: self.store.currency(),
            renewals: rows
                .into_iter()
                .filter(|r| me.is_none_or(|me| r.owners.includes(me)))
                .map(|r| self.renewal(by, today, &switches, &table, r))
                .collect(),
        })
    }

    /// One renewal of the pipeline, whatever its date.
    pub async fn renewal_of(&self, by: &Caller, contract: ContractId) -> Result<Renewal> {
        let today = self.store.clock().today();
        let row = self
            .store
            .renewal_pipeline(today, today, Some(&[contract]))
            .await?
            .pop()
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "contract {contract} is not a renewal: it does not exist, is cancelled or its outcome is recorded"
                ))
            })?;
        let switches = self.store.revenue_config().await?.meddicc;
        let (table, _, _) = self.probability_table().await?;
        Ok(self.renewal(by, today, &switches, &table, row))
    }

    /// Records the call on a renewal: the account's owners and leaders.
    pub async fn make_renewal_call(&self, by: &Caller, cmd: MakeCall) -> Result<Renewal> {
        let current = self.renewal_of(by, cmd.contract).await?;
        by.may(|u| u.may_call_renewal(&current.stored.owners))?;
        let note = cmd.note.trim();
        if note.chars().count() > CALL_NOTE_MAX {
            return Err(Error::invalid(
                "note",
                format!("at most {CALL_NOTE_MAX} characters"),
            ));
        }
        // The moments that wait for a call are answered by it.
        let close: Vec<String> = self
            .store
            .engagement_config()
            .await?
            .models
            .iter()
            .flat_map(|m| &m.moments)
            .filter(|m| matches!(m.when, Trigger::RenewalWithoutCall(_)))
            .map(|m| sherpa_core::engagement::task_key(&m.key))
            .collect();
        self.store
            .record_renewal_call(&by.actor(), cmd.contract, cmd.call, note, &close)
            .await?;
        self.renewal_of(by, cmd.contract).await
    }

    /// Every call made on a renewal, the latest first.
    pub async fn renewal_calls(&self, by: &Caller, contract: ContractId) -> Result<Vec<CallMade>> {
        self.renewal_of(by, contract).await?;
        Ok(self.store.renewal_calls(contract).await?)
    }
}
