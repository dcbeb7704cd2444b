//! Many rows in one statement: demo loads and event intake write thousands of rows at a time.

use crate::sql::{Arg, Args};
use crate::{Engine, Result};
use sqlx::AnyConnection;

/// Bind parameters per statement, under SQLite's and PostgreSQL's limits.
const MAX_PARAMS: usize = 30_000;
/// Rows per statement at most. Full statements of the same table have the same text, so the
/// connection prepares them once and reuses them; a fresh statement of thousands of rows would
/// be compiled on every call.
const MAX_ROWS: usize = 200;

/// Inserts rows many at a time. SQLite gets anonymous `?` placeholders: with numbered ones it
/// looks each name up in a list, which made large statements quadratic (42% of a demo load).
///
/// The rows may be made as they are written (an iterator over what the caller holds); they are
/// boxed before the returned future holds them, which keeps it `Send` whatever closures make
/// them.
pub(crate) fn insert_rows<'a>(
    conn: &'a mut AnyConnection,
    engine: Engine,
    table: &'a str,
    columns: &'a [&'a str],
    rows: impl IntoIterator<Item = Vec<Arg>, IntoIter: Send + 'a>,
) -> impl Future<Output = Result<()>> + Send + 'a {
    upsert_rows(conn, engine, table, columns, rows, "")
}

/// Inserts rows with a conflict clause (`ON CONFLICT ... DO ...`).
pub(crate) fn upsert_rows<'a>(
    conn: &'a mut AnyConnection,
    engine: Engine,
    table: &'a str,
    columns: &'a [&'a str],
    rows: impl IntoIterator<Item = Vec<Arg>, IntoIter: Send + 'a>,
    on_conflict: &'a str,
) -> impl Future<Output = Result<()>> + Send + 'a {
    let rows = Box::new(rows.into_iter());
    let written = write(conn, engine, table, columns, rows, on_conflict, None);
    async move { written.await.map(drop) }
}

/// Inserts rows with a conflict clause (may be empty), answering the `returning` columns of
/// each row written, in no promised order.
pub(crate) fn upsert_rows_returning<'a, T>(
    conn: &'a mut AnyConnection,
    engine: Engine,
    table: &'a str,
    columns: &'a [&'a str],
    rows: impl IntoIterator<Item = Vec<Arg>, IntoIter: Send + 'a>,
    on_conflict: &'a str,
    returning: &'a str,
) -> impl Future<Output = Result<Vec<T>>> + Send + 'a
where
    T: for<'row> sqlx::FromRow<'row, sqlx::any::AnyRow> + Send + Unpin + 'a,
{
    let rows = Box::new(rows.into_iter());
    let written = write(
        conn,
        engine,
        table,
        columns,
        rows,
        on_conflict,
        Some(returning),
    );
    async move {
        let rows = written.await?;
        Ok(rows.iter().map(T::from_row).collect::<sqlx::Result<_>>()?)
    }
}

/// Writes the rows, answering what the statements return (with `returning`, the columns of a
/// `RETURNING` clause).
fn write<'a>(
    conn: &'a mut AnyConnection,
    engine: Engine,
    table: &'a str,
    columns: &'a [&'a str],
    rows: Rows<'a>,
    on_conflict: &'a str,
    returning: Option<&'a str>,
) -> impl Future<Output = Result<Vec<sqlx::any::AnyRow>>> + Send + 'a {
    run_all(
        conn,
        statements(engine, table, columns, rows, on_conflict),
        returning,
    )
}

/// Runs the statements, each made while the database runs the one before; answers the rows
/// they return (with `returning`, the columns of a `RETURNING` clause).
async fn run_all(
    conn: &mut AnyConnection,
    mut statements: impl Iterator<Item = (String, Args)> + Send,
    returning: Option<&str>,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    let mut next = statements.next();
    while let Some((sql, args)) = next {
        let run = async {
            let args = args.into_arguments();
            match returning {
                Some(r) => {
                    let sql = format!("{sql} RETURNING {r}");
                    sqlx::query_with(&sql, args).fetch_all(&mut *conn).await
                }
                None => sqlx::query_with(&sql, args)
                    .execute(&mut *conn)
                    .await
                    .map(|_| Vec::new()),
            }
        };
        let (ran, made) = futures::join!(run, async { statements.next() });
        out.extend(ran?);
        next = made;
    }
    Ok(out)
}

/// Rows to write, made as they are written.
type Rows<'r> = Box<dyn Iterator<Item = Vec<Arg>> + Send + 'r>;

/// The statements that write `rows`, each with its bind values, made one at a time as they
/// are run: the rows too may be made as they are written.
fn statements(
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: Rows<'_>,
    on_conflict: &str,
) -> impl Iterator<Item = (String, Args)> {
    use std::fmt::Write;
    let per = (MAX_PARAMS / columns.len()).clamp(1, MAX_ROWS);
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let tail = match on_conflict {
        "" => String::new(),
        c => format!(" {c}"),
    };
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        let mut args = Args::default();
        let mut sql = head.clone();
        for (i, row) in rows.by_ref().take(per).enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for (j, a) in row.into_iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                let n = args.add(a);
                if engine == Engine::Sqlite {
                    sql.push('?');
                } else {
                    write!(sql, "${n}").expect("writing to a String");
                }
            }
            sql.push(')');
        }
        sql.push_str(&tail);
        Some((sql, args))
    })
}

/// A PostgreSQL connection of its own, opened with the pool's options: sqlx's `Any` driver has
/// no `COPY`.
pub(crate) async fn postgres_connection(
    pool: &sqlx::AnyPool,
) -> Result<sqlx::postgres::PgConnection> {
    use sqlx::{ConnectOptions, Connection};
    let url = pool.connect_options().database_url.clone();
    let options = sqlx::postgres::PgConnectOptions::from_url(&url)?;
    Ok(sqlx::postgres::PgConnection::connect_with(&options).await?)
}

/// Rows into a PostgreSQL table whose keys they cannot collide with (a fresh book's history),
/// through `COPY`: a 2,000-account demo spent 19 s writing its 3.3 million usage rows as
/// `INSERT` statements. Outside a transaction the rows are committed as the copy ends; inside
/// one (a demo chunk's), with it.
pub(crate) async fn copy_rows(
    conn: &mut sqlx::postgres::PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Arg>>,
) -> Result<u64> {
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} ({}) FROM STDIN", columns.join(", ")))
        .await?;
    let mut buf = String::with_capacity(1 << 20);
    for row in rows {
        for (i, a) in row.into_iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            copy_value(&mut buf, a);
        }
        buf.push('\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    Ok(copy.finish().await?)
}

/// A value in `COPY`'s text format: `\N` for NULL; a backslash, tab, newline or carriage
/// return escaped.
fn copy_value(out: &mut String, a: Arg) {
    use std::fmt::Write;
    let text = |out: &mut String, t: &str| {
        for c in t.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    };
    match a {
        Arg::Int(i) | Arg::OptInt(Some(i)) => write!(out, "{i}").expect("writing to a String"),
        Arg::Text(t) | Arg::OptText(Some(t)) => text(out, &t),
        Arg::OptFloat(Some(f)) => write!(out, "{f:?}").expect("writing to a String"),
        Arg::Blob(b) => write!(out, "\\\\x{}", hex::encode(b)).expect("writing to a String"),
        Arg::OptInt(None) | Arg::OptText(None) | Arg::OptFloat(None) => out.push_str("\\N"),
    }
}

/// The indexes of some tables that no constraint owns, dropped so that many rows are written
/// first and indexed after: building an index once is far cheaper than keeping it up to date
/// row by row. The definitions are read back from the database, so the migrations stay their
/// only source.
#[must_use = "the indexes are gone until built again"]
pub(crate) struct SecondaryIndexes(Vec<(String, String)>);

impl SecondaryIndexes {
    /// Drops them; `tables` is a list of quoted names (`'accounts', 'contacts'`).
    pub(crate) async fn drop(
        conn: &mut AnyConnection,
        engine: Engine,
        tables: &str,
    ) -> Result<SecondaryIndexes> {
        let sql = match engine {
            Engine::Sqlite => format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ({tables})"
            ),
            Engine::Postgres => format!(
                "SELECT indexname::text, indexdef::text FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename IN ({tables}) \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
        };
        let indexes: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *conn)
                .await?;
        }
        Ok(SecondaryIndexes(indexes))
    }

    /// Builds them again.
    pub(crate) async fn build(self, conn: &mut AnyConnection) -> Result<()> {
        for (_, definition) in &self.0 {
            sqlx::query(definition).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, Row};

    /// The PostgreSQL server `SHERPA_TEST_PG` names, if any.
    fn postgres_url() -> Option<String> {
        std::env::var("SHERPA_TEST_PG")
            .ok()
            .filter(|u| !u.is_empty())
    }

    /// The engines to write to: SQLite in memory, and PostgreSQL when `SHERPA_TEST_PG` names one.
    fn engines() -> Vec<(Engine, String)> {
        let mut out = vec![(Engine::Sqlite, "sqlite::memory:".to_string())];
        out.extend(postgres_url().map(|pg| (Engine::Postgres, pg)));
        out
    }

    type CopiedRow = (i64, Option<String>, Option<f64>, Vec<u8>);

    /// Rows copied into PostgreSQL read back exactly as written: the escapes of `COPY`'s text
    /// format (backslashes, tabs, newlines, carriage returns), NULLs, bytes.
    #[tokio::test]
    async fn copied_rows_read_back_exactly_as_written() {
        let Some(url) = postgres_url() else {
            return;
        };
        let mut conn = sqlx::postgres::PgConnection::connect(&url).await.unwrap();
        sqlx::query(
            "CREATE TEMPORARY TABLE copied (id BIGINT PRIMARY KEY, t TEXT, f DOUBLE PRECISION, b BYTEA)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let texts = [
            Some("plain".to_string()),
            Some("tab\there, newline\nthere, return\r, backslash \\ and \\N and \\x41".into()),
            Some(String::new()),
            None,
            Some("\\N".into()),
            Some("Zoë 北京 🎉".into()),
        ];
        let rows = || {
            texts.iter().enumerate().map(|(i, t)| {
                vec![
                    Arg::Int(i as i64 - 2),
                    Arg::OptText(t.clone()),
                    Arg::OptFloat((i != 3).then_some(0.1 * i as f64 - 1e-300)),
                    Arg::Blob((0..=255u8).cycle().skip(i).take(260).collect()),
                ]
            })
        };
        let copied = copy_rows(&mut conn, "copied", &["id", "t", "f", "b"], rows())
            .await
            .unwrap();
        assert_eq!(copied, texts.len() as u64);
        let got: Vec<CopiedRow> = sqlx::query_as("SELECT id, t, f, b FROM copied ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for (row, want) in got.into_iter().zip(rows()) {
            let [
                Arg::Int(id),
                Arg::OptText(t),
                Arg::OptFloat(f),
                Arg::Blob(b),
            ] = &want[..]
            else {
                unreachable!()
            };
            assert_eq!(&row.0, id);
            assert_eq!(&row.1, t, "row {id}");
            assert_eq!(&row.2, f, "row {id}");
            assert_eq!(&row.3, b, "row {id}");
        }
    }

    /// What is read back is what was written, for every kind of value at its edges, through
    /// the many-rows path and its conflict clause.
    #[tokio::test]
    async fn rows_read_back_exactly_as_written() {
        sqlx::any::install_default_drivers();
        let texts = [
            "plain",
            "",
            "quote \" and backslash \\ and \\x41",
            "tab\tnewline\ncontrol \u{1}",
            "Zoë 北京 🎉",
            "null",
            "123",
        ];
        let floats = [
            0.1,
            -2.5e-300,
            1.7976931348623157e308,
            0.0,
            f64::NAN,
            f64::INFINITY,
        ];
        let ints = [i64::MIN, -1, 0, 9_007_199_254_740_993, i64::MAX];
        let rows = || {
            (0..texts.len().max(floats.len()).max(ints.len()))
                .map(|i| {
                    vec![
                        Arg::Int(i as i64),
                        Arg::Text(texts[i % texts.len()].to_string()),
                        Arg::OptInt((i % 2 == 0).then_some(ints[i % ints.len()])),
                        Arg::OptText((i % 3 != 0).then(|| texts[(i + 1) % texts.len()].into())),
                        Arg::OptFloat((i != 2).then_some(floats[i % floats.len()])),
                        Arg::Blob((0..=255u8).cycle().skip(i).take(300).collect()),
                    ]
                })
                .collect::<Vec<_>>()
        };
        for (engine, url) in engines() {
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            let blob = if engine == Engine::Sqlite {
                "BLOB"
            } else {
                "BYTEA"
            };
            let float = if engine == Engine::Sqlite {
                "REAL"
            } else {
                "DOUBLE PRECISION"
            };
            sqlx::query(&format!(
                "CREATE TEMPORARY TABLE bulk_kinds (id BIGINT PRIMARY KEY, t TEXT NOT NULL, \
                 i BIGINT, ot TEXT, f {float}, b {blob} NOT NULL, seen BIGINT NOT NULL DEFAULT 7)"
            ))
            .execute(&mut conn)
            .await
            .unwrap();
            let columns = ["id", "t", "i", "ot", "f", "b"];
            insert_rows(&mut conn, engine, "bulk_kinds", &columns, rows())
                .await
                .unwrap();
            // Again, colliding on every key: the conflict clause decides.
            upsert_rows(
                &mut conn,
                engine,
                "bulk_kinds",
                &columns,
                rows(),
                "ON CONFLICT (id) DO UPDATE SET seen = bulk_kinds.seen + 1",
            )
            .await
            .unwrap();
            let got = sqlx::query("SELECT id, t, i, ot, f, b, seen FROM bulk_kinds ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let want = rows();
            assert_eq!(got.len(), want.len(), "{engine:?}");
            for (row, want) in got.iter().zip(want) {
                let id: i64 = row.get(0);
                let [
                    _,
                    Arg::Text(t),
                    Arg::OptInt(i),
                    Arg::OptText(ot),
                    Arg::OptFloat(f),
                    Arg::Blob(b),
                ] = &want[..]
                else {
                    unreachable!()
                };
                assert_eq!(&row.get::<String, _>(1), t, "{engine:?} row {id}");
                assert_eq!(&row.get::<Option<i64>, _>(2), i, "{engine:?} row {id}");
                assert_eq!(&row.get::<Option<String>, _>(3), ot, "{engine:?} row {id}");
                let read: Option<f64> = row.get(4);
                match (read, f) {
                    // SQLite keeps no NaN: it reads back as NULL there.
                    (None, Some(w)) if w.is_nan() && engine == Engine::Sqlite => {}
                    (Some(r), Some(w)) if w.is_nan() => assert!(r.is_nan(), "{engine:?} row {id}"),
                    (r, w) => assert_eq!(r, *w, "{engine:?} row {id}"),
                }
                assert_eq!(&row.get::<Vec<u8>, _>(5), b, "{engine:?} row {id}");
                assert_eq!(row.get::<i64, _>(6), 8, "{engine:?} row {id}: updated once");
            }
        }
    }
}
