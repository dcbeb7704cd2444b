//! The intake's tables as both write paths write them: names, columns, conflict rules and the
//! rows of messages, users and rollups, so that the SQLite and the PostgreSQL path cannot
//! drift apart.

use crate::sql::Arg;
use chrono::Datelike;
use sherpa_core::intake::{Message, NewBlock, ProductUser, RollupDelta};
use sherpa_core::text::{date, timestamp};
use std::collections::BTreeSet;

/// A table written with `INSERT ... ON CONFLICT`.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub on_conflict: &'static str,
}

pub(crate) const ACCOUNTS_BY_GROUP: &str =
    "SELECT external_id, id, NULL FROM accounts WHERE external_id IN ({list})";
pub(crate) const USERS_BY_KEY: &str =
    "SELECT user_key, account_id, contact_id FROM product_users WHERE user_key IN ({list})";
pub(crate) const CONTACTS_BY_EMAIL: &str =
    "SELECT email, id, account_id FROM contacts WHERE email IN ({list})";

/// Events without an account, a row each (see `sherpa_core::intake::block`), with ids given
/// by the writer so that they share one order with the blocks.
pub(crate) const LOOSE_EVENTS: Table = Table {
    name: "events",
    columns: &[
        "id",
        "message_id",
        "kind",
        "account_id",
        "group_id",
        "user_key",
        "name",
        "occurred_at",
        "received_at",
        "body",
    ],
    on_conflict: "",
};

pub(crate) const EVENT_BLOCKS: Table = Table {
    name: "event_blocks",
    columns: &[
        "first_id",
        "last_id",
        "account_id",
        "received_at",
        "events",
        "data",
    ],
    on_conflict: "",
};

pub(crate) const PRODUCT_USERS: Table = Table {
    name: "product_users",
    columns: &["user_key", "account_id", "contact_id", "updated_at"],
    on_conflict: "ON CONFLICT (user_key) DO UPDATE SET account_id = excluded.account_id, \
                  contact_id = excluded.contact_id, updated_at = excluded.updated_at",
};

/// Users waiting for their group's account (see `Mapping::waiting_users`).
pub(crate) const WAITING_USERS: Table = Table {
    name: "waiting_users",
    columns: &["user_key", "group_id", "updated_at"],
    on_conflict: "ON CONFLICT (user_key) DO UPDATE SET group_id = excluded.group_id, \
                  updated_at = excluded.updated_at",
};

pub(crate) const USAGE_DAYS: Table = Table {
    name: "usage_days",
    columns: &["account_id", "day", "events", "page_views"],
    on_conflict: "ON CONFLICT (account_id, day) DO UPDATE SET events = usage_days.events + excluded.events, \
                  page_views = usage_days.page_views + excluded.page_views",
};

pub(crate) const USAGE_NAMES: Table = Table {
    name: "usage_names",
    columns: &["account_id", "day", "name", "events"],
    on_conflict: "ON CONFLICT (account_id, day, name) DO UPDATE SET events = usage_names.events + excluded.events",
};

/// The names used on each day across the book, for the feature catalogue of a day.
pub(crate) const USAGE_DAY_NAMES: Table = Table {
    name: "usage_day_names",
    columns: &["day", "name"],
    on_conflict: "ON CONFLICT (day, name) DO NOTHING",
};

/// The first day each account used each name (time to first value).
pub(crate) const USAGE_FIRST_NAMES: Table = Table {
    name: "usage_first_names",
    columns: &["account_id", "name", "first_day"],
    on_conflict: "ON CONFLICT (account_id, name) DO UPDATE SET first_day = CASE \
                  WHEN excluded.first_day < usage_first_names.first_day THEN excluded.first_day \
                  ELSE usage_first_names.first_day END",
};

/// A new event name is a new feature of the catalog (an admin may rename or group it).
pub(crate) const FEATURE_CATALOG: Table = Table {
    name: "feature_catalog",
    columns: &["event_name", "feature"],
    on_conflict: "ON CONFLICT (event_name) DO NOTHING",
};

/// The rollup tables the whole book shares (keyed by day or name, not by account): a fresh
/// account's history can collide with another's there, never in the others.
pub(crate) fn shared_by_the_book(t: &Table) -> bool {
    // By name: a `const` has no one address to compare.
    t.name == USAGE_DAY_NAMES.name || t.name == FEATURE_CATALOG.name
}

/// The last day each user used each event name (a feature's users in 30 days).
pub(crate) const USAGE_NAME_USERS: Table = Table {
    name: "usage_name_users",
    columns: &["account_id", "name", "user_key", "last_day"],
    on_conflict: "ON CONFLICT (account_id, name, user_key) DO UPDATE SET last_day = CASE \
                  WHEN excluded.last_day > usage_name_users.last_day THEN excluded.last_day \
                  ELSE usage_name_users.last_day END",
};

pub(crate) const USAGE_USER_MONTHS: Table = Table {
    name: "usage_user_months",
    columns: &["account_id", "month", "user_key", "days"],
    on_conflict: "ON CONFLICT (account_id, month, user_key) DO UPDATE SET days = usage_user_months.days | excluded.days",
};

/// An event without an account as an `events` row.
pub(crate) fn loose_row(id: i64, m: &Message, received_at: &str) -> Vec<Arg> {
    vec![
        Arg::Int(id),
        Arg::Text(m.message_id.clone()),
        Arg::Text(m.kind.as_str().into()),
        Arg::OptInt(None),
        Arg::OptText(m.group_id.clone()),
        Arg::Text(m.user_key().into_owned()),
        Arg::OptText(m.name.clone()),
        Arg::Text(timestamp(m.timestamp)),
        Arg::Text(received_at.to_string()),
        Arg::Text(m.body.clone()),
    ]
}

/// A block as an `event_blocks` row.
pub(crate) fn block_row(b: NewBlock, received_at: &str) -> Vec<Arg> {
    vec![
        Arg::Int(b.first_id),
        Arg::Int(b.last_id),
        Arg::Int(b.account.0),
        Arg::Text(received_at.to_string()),
        Arg::Int(b.events as i64),
        Arg::Blob(b.data),
    ]
}

/// A product user as a `product_users` row.
pub(crate) fn user_row(key: &str, (account, contact): ProductUser, now: &str) -> Vec<Arg> {
    vec![
        Arg::Text(key.to_string()),
        Arg::OptInt(account.map(|a| a.0)),
        Arg::OptInt(contact.map(|c| c.0)),
        Arg::Text(now.to_string()),
    ]
}

/// The users of a mapping waiting for their group's account, as `waiting_users` rows.
pub(crate) fn waiting_rows(mapping: &sherpa_core::intake::Mapping, now: &str) -> Vec<Vec<Arg>> {
    mapping
        .waiting_users
        .iter()
        .map(|(key, group)| {
            vec![
                Arg::Text(key.clone()),
                Arg::Text(group.clone()),
                Arg::Text(now.to_string()),
            ]
        })
        .collect()
}

/// The `YYYY-MM` of a month.
pub(crate) fn month_text(month: chrono::NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// One value of a rollup row, borrowed from the delta or from its [`DayTexts`]: a year of
/// usage is millions of rows, and copying each value into an owned [`Arg`] (a vector, the day
/// formatted again, the name copied) was a third of the SQLite writer's time in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell<'a> {
    Int(i64),
    Text(&'a str),
}

impl From<Cell<'_>> for Arg {
    fn from(c: Cell<'_>) -> Arg {
        match c {
            Cell::Int(i) => Arg::Int(i),
            Cell::Text(t) => Arg::Text(t.to_owned()),
        }
    }
}

/// One row of a rollup table: at most four values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RollupRow<'a> {
    cells: [Cell<'a>; 4],
    len: usize,
}

impl<'a> RollupRow<'a> {
    fn of<const N: usize>(values: [Cell<'a>; N]) -> Self {
        let mut cells = [Cell::Int(0); 4];
        cells[..N].copy_from_slice(&values);
        RollupRow { cells, len: N }
    }

    /// The row as owned values, for the paths that hold them.
    pub fn into_args(self) -> Vec<Arg> {
        self.into_iter().map(Arg::from).collect()
    }
}

impl<'a> IntoIterator for RollupRow<'a> {
    type Item = Cell<'a>;
    type IntoIter = std::iter::Take<std::array::IntoIter<Cell<'a>, 4>>;

    fn into_iter(self) -> Self::IntoIter {
        self.cells.into_iter().take(self.len)
    }
}

/// The text of every day and month a delta names, made once for all its rows.
pub(crate) struct DayTexts {
    days: std::collections::HashMap<chrono::NaiveDate, String>,
    months: std::collections::HashMap<chrono::NaiveDate, String>,
}

impl DayTexts {
    pub fn of(delta: &RollupDelta) -> Self {
        let mut days = std::collections::HashMap::new();
        let keys = delta.days.keys().map(|(_, d)| *d);
        let named = delta.names().map(|(_, d, _, _)| d);
        for d in keys
            .chain(named)
            .chain(delta.name_users().map(|(_, _, _, d)| d))
        {
            days.entry(d).or_insert_with(|| date(d));
        }
        let mut months = std::collections::HashMap::new();
        for (_, m, _, _) in delta.user_months() {
            months.entry(m).or_insert_with(|| month_text(m));
        }
        DayTexts { days, months }
    }

    fn day(&self, d: chrono::NaiveDate) -> &str {
        &self.days[&d]
    }

    fn month(&self, m: chrono::NaiveDate) -> &str {
        &self.months[&m]
    }
}

/// The rows a delta adds to each rollup table, made as they are taken: the SQLite path writes
/// each as it comes instead of holding millions (a demo's year of usage) at once.
pub(crate) type RollupRows<'a> = Box<dyn Iterator<Item = RollupRow<'a>> + Send + 'a>;

/// The distinct values of `items`, in order.
fn distinct_sorted<T: Ord + std::hash::Hash>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
    items
        .collect::<std::collections::HashSet<T>>()
        .into_iter()
        .collect()
}

/// Rollup rows as owned values, for the paths that hold them.
pub(crate) fn owned<'a>(rows: RollupRows<'a>) -> Box<dyn Iterator<Item = Vec<Arg>> + Send + 'a> {
    Box::new(rows.map(RollupRow::into_args))
}

/// The rows a delta adds to each rollup table, with the texts of its days from `texts` (made
/// by [`DayTexts::of`] from the same delta).
pub(crate) fn rollup_rows<'a>(
    delta: &'a RollupDelta,
    texts: &'a DayTexts,
) -> [(&'static Table, RollupRows<'a>); 7] {
    use Cell::{Int, Text};
    let days = delta.days.iter().map(|((a, d), c)| {
        RollupRow::of([
            Int(a.0),
            Text(texts.day(*d)),
            Int(c.events),
            Int(c.page_views),
        ])
    });
    let names = delta
        .names()
        .map(|(a, d, n, c)| RollupRow::of([Int(a.0), Text(texts.day(d)), Text(n), Int(c)]));
    // The shared rows are few (a year's days times the catalogue) among millions: they are
    // told apart by hashing, and only the distinct ones sorted (sorting them all was a sixth
    // of the SQLite writer's time in the demo).
    let day_names = distinct_sorted(delta.names().map(|(_, d, n, _)| (d, n)))
        .into_iter()
        .map(|(d, n)| RollupRow::of([Text(texts.day(d)), Text(n)]));
    // One row per account and name: a statement may not upsert one key twice.
    let mut first: std::collections::BTreeMap<(i64, &str), chrono::NaiveDate> = Default::default();
    for (a, d, n, _) in delta.names() {
        let e = first.entry((a.0, n)).or_insert(d);
        *e = (*e).min(d);
    }
    let first_names = first
        .into_iter()
        .map(|((a, n), d)| RollupRow::of([Int(a), Text(n), Text(texts.day(d))]));
    let catalog = distinct_sorted(delta.names().map(|(_, _, n, _)| n))
        .into_iter()
        .map(|n| RollupRow::of([Text(n), Text(n)]));
    let users = delta.user_months().map(|(a, m, u, bits)| {
        RollupRow::of([
            Int(a.0),
            Text(texts.month(m)),
            Text(u),
            Int(i64::from(bits)),
        ])
    });
    let name_users = delta
        .name_users()
        .map(|(a, n, u, d)| RollupRow::of([Int(a.0), Text(n), Text(u), Text(texts.day(d))]));
    [
        (&USAGE_DAYS, Box::new(days)),
        (&USAGE_NAMES, Box::new(names)),
        (&USAGE_DAY_NAMES, Box::new(day_names)),
        (&USAGE_FIRST_NAMES, Box::new(first_names)),
        (&FEATURE_CATALOG, Box::new(catalog)),
        (&USAGE_USER_MONTHS, Box::new(users)),
        (&USAGE_NAME_USERS, Box::new(name_users)),
    ]
}

/// SQLite: the key of a message id in `message_keys`, a 64-bit hash with a fixed definition
/// (XXH3), so that every process and version computes the same one.
pub(crate) fn message_key(message_id: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(message_id.as_bytes()) as i64
}

/// SQLite: the `events` counter, made when no event was ever stored.
pub(crate) const START_EVENT_IDS: &str = "INSERT INTO sqlite_sequence (name, seq) \
     SELECT 'events', COALESCE(MAX(id), 0) FROM events \
     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')";

/// SQLite: takes $1 ids from the `events` counter; answers the last.
pub(crate) const TAKE_EVENT_IDS: &str =
    "UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = 'events' RETURNING seq";

/// PostgreSQL: the advisory lock under which a server takes a run of event ids.
pub(crate) const EVENT_IDS_LOCK: i64 = 0x5348_4552_5041; // "SHERPA"

/// Adds to an intake counter ($1 outcome, $2 messages).
pub(crate) const COUNT: &str = "INSERT INTO intake_counts (outcome, n) VALUES ($1, $2) \
     ON CONFLICT (outcome) DO UPDATE SET n = intake_counts.n + excluded.n";

/// Adds to a minute's counters ($1 the `YYYY-MM-DDTHH:MM`, $2 accepted, $3 rejected).
pub(crate) const PER_MINUTE: &str = "INSERT INTO intake_minutes (minute, accepted, rejected) VALUES ($1, $2, $3) \
     ON CONFLICT (minute) DO UPDATE SET accepted = intake_minutes.accepted + excluded.accepted, \
     rejected = intake_minutes.rejected + excluded.rejected";
