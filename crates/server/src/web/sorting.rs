//! Lists a page holds whole (the team, the renewal pipeline) sorted by the column a person
//! clicked: `sort` names a column, `-` first for descending. Equal rows keep the page's own
//! order, and a row without a value comes last either way.

use crate::web::Failure;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A value to order a row by.
#[derive(Debug, PartialEq, PartialOrd)]
pub enum Key {
    /// Compared folded: case and accents do not count.
    Text(String),
    Number(Decimal),
}

impl Key {
    pub fn text(s: &str) -> Key {
        Key::Text(sherpa_core::text::sort_key(s))
    }

    pub fn number(n: impl Into<Decimal>) -> Key {
        Key::Number(n.into())
    }
}

/// Orders `rows` by `sort`, one of `columns` (empty: left as they are), with `key` the value of
/// a row in a column. An unknown column is refused by name.
pub fn sort_rows<T>(
    rows: &mut [T],
    sort: &str,
    columns: &[&str],
    key: impl Fn(&T, &str) -> Option<Key>,
) -> Result<(), Failure> {
    let Some((field, descending)) = column(sort, columns)? else {
        return Ok(());
    };
    rows.sort_by_cached_key(|r| Last(key(r, field), descending));
    Ok(())
}

/// The column `sort` names (`-` first: descending), one of `columns`; none when it is empty.
/// An unknown column is refused by name. Lists sorted in the database read it here too.
pub fn column<'a>(sort: &'a str, columns: &[&str]) -> Result<Option<(&'a str, bool)>, Failure> {
    let (field, descending) = match sort.strip_prefix('-') {
        Some(f) => (f, true),
        None => (sort, false),
    };
    if field.is_empty() {
        return Ok(None);
    }
    if !columns.contains(&field) {
        return Err(Failure::bad(format!(
            "sort: \"{field}\" is not a column; expected one of {}",
            columns.join(", ")
        )));
    }
    Ok(Some((field, descending)))
}

/// A row's value, ordered so that none comes last in either direction.
#[derive(PartialEq)]
struct Last(Option<Key>, bool);

impl Eq for Last {}

impl PartialOrd for Last {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Last {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
                if self.1 { o.reverse() } else { o }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_without_a_value_come_last_both_ways_and_ties_keep_their_order() {
        let rows = [("b", Some(2)), ("a", None), ("c", Some(1)), ("d", Some(2))];
        let key = |r: &(&str, Option<i32>), _: &str| r.1.map(Key::number);
        let order = |sort: &str| {
            let mut r = rows.to_vec();
            sort_rows(&mut r, sort, &["n"], key).unwrap();
            r.iter().map(|r| r.0).collect::<String>()
        };
        assert_eq!(order("n"), "cbda");
        assert_eq!(order("-n"), "bdca");
        assert_eq!(order(""), "bacd");
        let mut r = rows.to_vec();
        let refused = sort_rows(&mut r, "size", &["n"], key).unwrap_err();
        assert!(
            refused.message.contains("\"size\" is not a column"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn text_sorts_without_case_or_accents() {
        let mut r = vec!["Zoë", "émile", "Adam"];
        sort_rows(&mut r, "name", &["name"], |s, _| Some(Key::text(s))).unwrap();
        assert_eq!(r, ["Adam", "émile", "Zoë"]);
    }
}
