//! Custom account fields, defined by an admin and typed: text, number, money, date, yes/no.

use super::Invalid;
use super::enums::vocabulary;
use crate::money::{Currency, Money};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

vocabulary!(
    FieldKind, "custom field type" {
        Text => "text",
        Number => "number",
        Money => "money",
        Date => "date",
        YesNo => "yes_no" | "yesno" | "bool" | "boolean",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomFieldDef {
    /// The machine name used in `custom.<key>` import columns and the API.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
}

impl CustomFieldDef {
    pub fn new(key: &str, label: &str, kind: FieldKind) -> Result<Self, Invalid> {
        let k = key.trim();
        let valid = !k.is_empty()
            && k.len() <= 64
            && k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && k.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !valid {
            return Err(Invalid(format!(
                "\"{key}\" is not a field key; use lower-case letters, digits and _ (like renewal_owner)"
            )));
        }
        let label = if label.trim().is_empty() {
            k
        } else {
            label.trim()
        };
        Ok(CustomFieldDef {
            key: k.to_string(),
            label: label.to_string(),
            kind,
        })
    }

    /// Parses a value as typed in a spreadsheet cell or a form; blank means "no value".
    pub fn parse_value(
        &self,
        raw: &str,
        currency: Currency,
    ) -> Result<Option<CustomValue>, Invalid> {
        let t = raw.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let v = match self.kind {
            FieldKind::Text => CustomValue::Text(t.to_string()),
            FieldKind::Number => CustomValue::Number(
                Decimal::from_str(&t.replace(',', ""))
                    .map_err(|_| Invalid(format!("\"{t}\" is not a number like 42 or 3.5")))?,
            ),
            FieldKind::Money => {
                CustomValue::Money(Money::parse(t, currency).map_err(|e| Invalid(e.to_string()))?)
            }
            FieldKind::Date => CustomValue::Date(crate::import::parse_date_cell(t)?),
            FieldKind::YesNo => CustomValue::YesNo(parse_yes_no(t)?),
        };
        Ok(Some(v))
    }

    /// Parses a value as stored (JSON) or sent through the API.
    pub fn from_json(&self, v: &serde_json::Value) -> Result<Option<CustomValue>, Invalid> {
        match v {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::Bool(b) if self.kind == FieldKind::YesNo => {
                Ok(Some(CustomValue::YesNo(*b)))
            }
            serde_json::Value::String(s) => self.parse_value(s, Currency::USD),
            serde_json::Value::Number(n) if self.kind == FieldKind::Number => {
                self.parse_value(&n.to_string(), Currency::USD)
            }
            serde_json::Value::Object(_) if self.kind == FieldKind::Money => {
                serde_json::from_value::<Money>(v.clone())
                    .map(|m| Some(CustomValue::Money(m)))
                    .map_err(|e| Invalid(format!("{}: {e}", self.key)))
            }
            other => Err(Invalid(format!(
                "{}: {other} is not {}",
                self.key,
                crate::text::with_article(&self.kind.to_string())
            ))),
        }
    }
}

fn parse_yes_no(t: &str) -> Result<bool, Invalid> {
    match t.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(Invalid(format!("\"{t}\" is not yes or no"))),
    }
}

/// A custom field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomValue {
    Text(String),
    Number(Decimal),
    Money(Money),
    Date(NaiveDate),
    YesNo(bool),
}

impl CustomValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CustomValue::Text(s) => serde_json::Value::String(s.clone()),
            CustomValue::Number(d) => serde_json::Value::String(d.normalize().to_string()),
            CustomValue::Money(m) => serde_json::to_value(m).expect("money serialises"),
            CustomValue::Date(d) => serde_json::Value::String(crate::text::date(*d)),
            CustomValue::YesNo(b) => serde_json::Value::Bool(*b),
        }
    }

    /// How the value reads in a CSV cell.
    pub fn to_cell(&self) -> String {
        match self {
            CustomValue::Text(s) => s.clone(),
            CustomValue::Number(d) => d.normalize().to_string(),
            CustomValue::Money(m) => m.fixed_amount(),
            CustomValue::Date(d) => crate::text::date(*d),
            CustomValue::YesNo(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }
}

/// An account's custom values, keyed by field key.
pub type CustomValues = BTreeMap<String, CustomValue>;

pub fn custom_values_to_json(values: &CustomValues) -> serde_json::Value {
    serde_json::Value::Object(
        values
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

/// Reads stored custom values; values of fields no longer defined are kept as text.
pub fn custom_values_from_json(json: &str, defs: &[CustomFieldDef]) -> CustomValues {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return CustomValues::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| {
            let parsed = match defs.iter().find(|d| d.key == k) {
                Some(def) => def.from_json(&v).ok().flatten(),
                None => v.as_str().map(|s| CustomValue::Text(s.to_string())),
            };
            parsed.map(|p| (k, p))
        })
        .collect()
}
