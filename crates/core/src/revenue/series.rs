//! The series a waterfall tracks: the renewals (forecast from the probability table, in ARR)
//! or a figure Sherpa already computes (a retention figure, the NPS of the period's answers,
//! strategic feature adoption), whose plan is a target per period. Each names the measures its plans and actuals keep.

use super::forecast::MEASURES;
use super::retention::Retention;
use rust_decimal::Decimal;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Renewals,
    Nrr,
    Grr,
    LogoChurn,
    /// Up-sells: the rise in MRR of the accounts that stayed and grew, over the start MRR.
    Expansion,
    /// The Net Promoter Score of the survey answers given in the period.
    Nps,
    /// Strategic feature adoption: of the accounts paying on the period's last day, the share
    /// that used a strategic feature in the period (those a leader picked in the revenue
    /// settings, else every high-value feature of the catalogue).
    Adoption,
}

/// The measure a tracked figure's plan and actual keep.
pub const TARGET: &str = "value";

impl Series {
    pub const ALL: [Series; 7] = [
        Series::Renewals,
        Series::Nrr,
        Series::Grr,
        Series::LogoChurn,
        Series::Expansion,
        Series::Nps,
        Series::Adoption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Series::Renewals => "renewals",
            Series::Nrr => "nrr",
            Series::Grr => "grr",
            Series::LogoChurn => "logo_churn",
            Series::Expansion => "expansion",
            Series::Nps => "nps",
            Series::Adoption => "adoption",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Series::Renewals => "Renewals (ARR)",
            Series::Nrr => "Net revenue retention (%)",
            Series::Grr => "Gross revenue retention (%)",
            Series::LogoChurn => "Logo churn rate (%)",
            Series::Expansion => "Expansion, up-sells (% of start MRR)",
            Series::Nps => "NPS of the period's survey answers",
            Series::Adoption => "Strategic feature adoption (% of paying accounts)",
        }
    }

    /// Whether its plan is the forecast (renewals) or a target a leader sets (the others).
    pub fn is_forecast(self) -> bool {
        self == Series::Renewals
    }

    /// The measures its plans and actuals keep.
    pub fn measures(self) -> &'static [&'static str] {
        if self.is_forecast() {
            &MEASURES
        } else {
            &[TARGET]
        }
    }

    /// The measure the waterfall compares plan and actual on.
    pub fn headline(self) -> &'static str {
        if self.is_forecast() {
            "renewed"
        } else {
            TARGET
        }
    }

    /// Whether its figure is one of retention's (read from the contract terms).
    pub fn is_retention(self) -> bool {
        matches!(
            self,
            Series::Nrr | Series::Grr | Series::LogoChurn | Series::Expansion
        )
    }

    /// The figure of a period's retention, in percent to two places.
    pub fn of_retention(self, r: &Retention) -> Option<Decimal> {
        let ratio = match self {
            Series::Renewals | Series::Nps | Series::Adoption => return None,
            Series::Nrr => r.nrr(),
            Series::Grr => r.grr(),
            Series::LogoChurn => r.logo_churn(),
            Series::Expansion => r.expansion(),
        };
        ratio
            .value()
            .map(|v| (v * Decimal::ONE_HUNDRED).round_dp(2))
    }
}

impl FromStr for Series {
    type Err = String;
    fn from_str(s: &str) -> Result<Series, String> {
        Series::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                format!("\"{s}\" is not a series: use renewals, nrr, grr, logo_churn, expansion, nps or adoption")
            })
    }
}
