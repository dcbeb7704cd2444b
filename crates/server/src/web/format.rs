//! How values read on a page: money with thousands separators, dates, day counts, and the
//! query strings that keep a list's filters when a link changes one of them.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use sherpa_core::Money;

/// Each owner function a form offers, its value and the words a team uses for it: "CSM",
/// "customer development".
pub fn owner_functions() -> Vec<(&'static str, &'static str)> {
    sherpa_core::OwnerFunction::ALL
        .iter()
        .map(|f| {
            let words = match f {
                sherpa_core::OwnerFunction::Csm => "CSM",
                sherpa_core::OwnerFunction::Ae => "AE",
                sherpa_core::OwnerFunction::CustomerDevelopment => "customer development",
                sherpa_core::OwnerFunction::ExecutiveSponsor => "executive sponsor",
            };
            (f.as_str(), words)
        })
        .collect()
}

/// Whole currency units with thousands separators and the currency's symbol or code:
/// "$1,234,568", "€98,000", "CHF 12,000". Tables read best without cents.
pub fn money(m: &Money) -> String {
    let units = m.amount.round().to_i128().unwrap_or(0);
    let digits = units.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if units < 0 { "-" } else { "" };
    match m.currency.code() {
        "USD" => format!("{sign}${grouped}"),
        "EUR" => format!("{sign}€{grouped}"),
        "GBP" => format!("{sign}£{grouped}"),
        code => format!("{sign}{code} {grouped}"),
    }
}

pub fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Whole days from `from` to `to` ("in 12 days" is 12, "3 days ago" is -3).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A query string from pairs, leaving out empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        q.append_pair(k, v);
    }
    q.finish()
}

/// A link's query (`?` first) from a list's parameters with `changes` made to them: a change
/// replaces the parameter of its name or adds it; empty values are left out.
pub fn link_with<'a>(params: &[(&'a str, &'a str)], changes: &[(&'a str, &'a str)]) -> String {
    let mut pairs = params.to_vec();
    for (k, v) in changes {
        match pairs.iter_mut().find(|(p, _)| p == k) {
            Some(pair) => pair.1 = v,
            None => pairs.push((k, v)),
        }
    }
    format!("?{}", query(&pairs))
}

/// A column header's next sort: by `field`, or the other way round when `sort` (a field, `-`
/// first for descending) is already by it.
pub fn next_sort(sort: &str, field: &str) -> String {
    if sort == field {
        format!("-{field}")
    } else {
        field.to_string()
    }
}

/// [`next_sort`] for a list that is newest first by default (`sort` empty): its time column
/// `when` is descending then, so a press turns it to the oldest first.
pub fn next_sort_newest_first(sort: &str, field: &str, when: &str) -> String {
    if sort.is_empty() && field == when {
        when.to_string()
    } else {
        next_sort(sort, field)
    }
}

/// [`aria_sort`] for a list that is newest first by default, on its time column `when`.
pub fn aria_sort_newest_first(sort: &str, field: &str, when: &str) -> &'static str {
    if sort.is_empty() && field == when {
        "descending"
    } else {
        aria_sort(sort, field, "")
    }
}

/// `aria-sort` of a column header, for a list sorted by `sort` (`default` when empty).
pub fn aria_sort(sort: &str, field: &str, default: &str) -> &'static str {
    if sort == field || (sort.is_empty() && field == default) {
        "ascending"
    } else if sort.strip_prefix('-') == Some(field) {
        "descending"
    } else {
        "none"
    }
}

/// Text made safe inside HTML or SVG markup built outside a template.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::Currency;

    #[test]
    fn money_reads_like_a_finance_report() {
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(
            money(&Money::parse("1234567.89", usd).unwrap()),
            "$1,234,568"
        );
        assert_eq!(money(&Money::parse("999", usd).unwrap()), "$999");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(money(&Money::parse("-12000", chf).unwrap()), "-CHF 12,000");
    }

    #[test]
    fn queries_leave_out_empty_filters() {
        assert_eq!(
            query(&[("q", "a&b"), ("owner", ""), ("sort", "arr")]),
            "q=a%26b&sort=arr"
        );
    }
}
