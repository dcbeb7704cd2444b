//! The one builder of dynamic statements: each value is bound as a numbered placeholder (`$1`,
//! `$2` ... on both engines through sqlx's `Any` driver), never pasted into the SQL text.

/// A bind value for dynamically built statements.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
    OptText(Option<String>),
    Blob(Vec<u8>),
    OptFloat(Option<f64>),
}

#[derive(Default, Clone)]
pub(crate) struct Args(pub Vec<Arg>);

impl Args {
    pub fn push(&mut self, a: Arg) -> String {
        format!("${}", self.add(a))
    }

    /// Binds a value; answers its number (`$n`).
    pub fn add(&mut self, a: Arg) -> usize {
        self.0.push(a);
        self.0.len()
    }

    /// Binds a text value; answers its placeholder.
    pub fn text(&mut self, t: impl Into<String>) -> String {
        self.push(Arg::Text(t.into()))
    }

    /// Binds each account id; answers the placeholders for `IN (...)`.
    pub fn ids(&mut self, ids: &[sherpa_core::AccountId]) -> String {
        ids.iter()
            .map(|i| self.push(Arg::Int(i.0)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The bind values, for `sqlx::query_with` / `query_as_with`.
    pub fn into_arguments(self) -> sqlx::any::AnyArguments<'static> {
        use sqlx::Arguments;
        let mut out = sqlx::any::AnyArguments::default();
        for a in self.0 {
            // Adding a plain value to Any's arguments cannot fail.
            let added = match a {
                Arg::Int(i) => out.add(i),
                Arg::Text(t) => out.add(t),
                Arg::OptInt(i) => out.add(i),
                Arg::OptText(t) => out.add(t),
                Arg::Blob(b) => out.add(b),
                Arg::OptFloat(Some(f)) => out.add(f),
                // sqlx 0.8's Any driver sends a NULL `f64` to PostgreSQL as a `float4` (and a
                // NULL `f32` as a `float8`): a statement prepared with a score then run with
                // none fails as "incorrect binary data format". A NULL `f32` is typed like
                // the `f64` values.
                Arg::OptFloat(None) => out.add(Option::<f32>::None),
            };
            added.expect("a plain value binds");
        }
        out
    }
}

/// A row's columns as one JSON array (`json_array` on SQLite, `json_build_array` on
/// PostgreSQL), to be read with serde. sqlx's `Any` driver hands a row over at about 10 us for
/// 15 columns; one column a row takes a third of that (an import reading 100,000 accounts:
/// 1.0 s, then 0.35 s).
pub(crate) fn json_array(engine: crate::Engine, columns: &str) -> String {
    match engine {
        crate::Engine::Sqlite => format!("json_array({columns})"),
        // As text: sqlx's `Any` driver reads no `json` values.
        crate::Engine::Postgres => format!("CAST(json_build_array({columns}) AS TEXT)"),
    }
}

/// An aggregate of a group's rows as one JSON array of arrays of `columns` (as text on
/// PostgreSQL, as [`json_array`]), to be read with serde as `Vec<(..)>`: a reader of thousands
/// of small rows takes one row a group instead (sqlx hands SQLite rows over at about 1.5 us a
/// row, whatever they hold).
pub(crate) fn json_rows(engine: crate::Engine, columns: &str) -> String {
    match engine {
        crate::Engine::Sqlite => format!("json_group_array(json_array({columns}))"),
        crate::Engine::Postgres => format!("CAST(json_agg(json_build_array({columns})) AS TEXT)"),
    }
}

/// An aggregate of `column` over a statement's rows as one JSON array in `order` (as text on
/// PostgreSQL, where no rows give NULL), for the same reason as [`json_rows`].
pub(crate) fn json_list(engine: crate::Engine, column: &str, order: &str) -> String {
    match engine {
        crate::Engine::Sqlite => format!("json_group_array({column} ORDER BY {order})"),
        crate::Engine::Postgres => format!("CAST(json_agg({column} ORDER BY {order}) AS TEXT)"),
    }
}

/// Placeholders for `n` values bound after a statement's first `bound` ones: `$3, $4, $5`.
pub(crate) fn placeholders(bound: usize, n: usize) -> String {
    (bound + 1..=bound + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds account ids, one placeholder each, after what a query has bound already.
pub(crate) trait BindIds: Sized {
    fn bind_ids(self, ids: &[sherpa_core::AccountId]) -> Self;
}

impl<'q, O> BindIds for sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    fn bind_ids(self, ids: &[sherpa_core::AccountId]) -> Self {
        ids.iter().fold(self, |q, i| q.bind(i.0))
    }
}

impl<'q> BindIds for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    fn bind_ids(self, ids: &[sherpa_core::AccountId]) -> Self {
        ids.iter().fold(self, |q, i| q.bind(i.0))
    }
}
