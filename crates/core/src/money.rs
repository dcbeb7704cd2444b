//! Money: a decimal amount with an ISO 4217 currency. Never a float. The database keeps integer
//! minor units (cents) and the currency code; the domain and the API speak decimals.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("\"{0}\" is not an ISO 4217 currency code like USD or EUR")]
    Currency(String),
    #[error("\"{0}\" is not an amount; expected a number like 12000 or 12000.50")]
    Amount(String),
    #[error("{amount} has more decimals than {currency} allows ({digits})")]
    Precision {
        amount: String,
        currency: Currency,
        digits: u32,
    },
    #[error("{0} is too large to store")]
    Overflow(String),
}

/// A three-letter ISO 4217 code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(s: &str) -> Result<Self, MoneyError> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(MoneyError::Currency(s.to_string()))
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ascii")
    }

    /// Digits after the decimal point in the currency's minor unit.
    pub fn minor_digits(&self) -> u32 {
        match self.code() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money in one currency, serialised as `{"amount": "12000.50", "currency": "USD"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

#[derive(Serialize, Deserialize)]
struct MoneyWire {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyWire {
            amount: self.fixed_amount(),
            currency: self.currency,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = MoneyWire::deserialize(d)?;
        Money::parse(&w.amount, w.currency).map_err(serde::de::Error::custom)
    }
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let digits = currency.minor_digits();
        let amount = amount.normalize();
        if amount.scale() > digits {
            return Err(MoneyError::Precision {
                amount: amount.to_string(),
                currency,
                digits,
            });
        }
        let m = Money { amount, currency };
        m.minor_units()?;
        Ok(m)
    }

    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Parses a human amount: `12000`, `12000.50`, `12,000.50`, `$12,000`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let cleaned: String = amount
            .trim()
            .trim_start_matches(['$', '€', '£'])
            .chars()
            .filter(|c| *c != ',' && *c != '_' && !c.is_whitespace())
            .collect();
        let d = Decimal::from_str(&cleaned).map_err(|_| MoneyError::Amount(amount.to_string()))?;
        Money::new(d, currency)
    }

    /// The amount in the currency's minor unit (cents for USD), as the database stores it.
    pub fn minor_units(&self) -> Result<i64, MoneyError> {
        let scaled = self.amount * Decimal::from(10i64.pow(self.currency.minor_digits()));
        i64::try_from(scaled.trunc()).map_err(|_| MoneyError::Overflow(self.amount.to_string()))
    }

    /// The amount with exactly the currency's minor digits: `12000.50`.
    pub fn fixed_amount(&self) -> String {
        let mut a = self.amount.round_dp(self.currency.minor_digits());
        a.rescale(self.currency.minor_digits());
        a.to_string()
    }

    pub fn from_minor_units(units: i64, currency: Currency) -> Self {
        let mut amount = Decimal::from(units);
        amount
            .set_scale(currency.minor_digits())
            .expect("scale within limits");
        Money {
            amount: amount.normalize(),
            currency,
        }
    }
}

/// A conversion into the reporting currency, as integer arithmetic on minor units:
/// `reporting_minor = minor * minor_ppm / 1_000_000`. Keeps money out of floats in SQL.
pub fn minor_ppm(from: Currency, to: Currency, rate: Decimal) -> Result<i64, MoneyError> {
    if rate <= Decimal::ZERO || rate > Decimal::from(1_000_000) {
        return Err(MoneyError::Amount(format!(
            "{rate} (a rate must be above 0 and at most 1000000)"
        )));
    }
    let digits = to.minor_digits() as i64 - from.minor_digits() as i64;
    let mut scale = Decimal::from(1_000_000);
    for _ in 0..digits.abs() {
        scale = if digits > 0 {
            scale * Decimal::TEN
        } else {
            scale / Decimal::TEN
        };
    }
    let ppm = (rate * scale).round();
    i64::try_from(ppm)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| MoneyError::Overflow(rate.to_string()))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.fixed_amount(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_spreadsheets_contain() {
        let usd = Currency::USD;
        assert_eq!(
            Money::parse("$12,000.50", usd)
                .unwrap()
                .minor_units()
                .unwrap(),
            1_200_050
        );
        assert_eq!(
            Money::parse("12000", usd).unwrap().amount,
            Decimal::from(12000)
        );
        assert!(matches!(
            Money::parse("12k$", usd),
            Err(MoneyError::Amount(_))
        ));
        assert!(matches!(
            Money::parse("1.005", usd),
            Err(MoneyError::Precision { .. })
        ));
        assert!(Currency::parse("usd").is_ok());
        assert!(Currency::parse("US").is_err());
    }

    #[test]
    fn yen_has_no_cents() {
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            Money::parse("1200", jpy).unwrap().minor_units().unwrap(),
            1200
        );
        assert!(Money::parse("1200.5", jpy).is_err());
    }

    #[test]
    fn serialises_amount_as_a_string() {
        let m = Money::parse("12000.50", Currency::USD).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"12000.50","currency":"USD"}"#
        );
        let back: Money =
            serde_json::from_str(r#"{"amount":"12000.50","currency":"USD"}"#).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn conversions_are_integer_ppm() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            minor_ppm(eur, Currency::USD, Decimal::new(10834, 4)).unwrap(),
            1_083_400
        );
        // 1 JPY = 0.0067 USD; yen have no minor unit, dollars have cents.
        assert_eq!(
            minor_ppm(jpy, Currency::USD, Decimal::new(67, 4)).unwrap(),
            670_000
        );
        assert!(minor_ppm(eur, Currency::USD, Decimal::ZERO).is_err());
    }

    proptest! {
        #[test]
        fn minor_units_round_trip(units in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let m = Money::from_minor_units(units, Currency::USD);
            prop_assert_eq!(m.minor_units().unwrap(), units);
        }
    }
}
