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
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    upsert_rows(conn, engine, table, columns, rows, "").await
}

/// Inserts rows with a conflict clause (`ON CONFLICT ... DO ...`).
pub(crate) async fn upsert_rows(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    on_conflict: &str,
) -> Result<()> {
    for (sql, args) in statements(engine, table, columns, rows, on_conflict) {
        sqlx::query_with(&sql, args.into_arguments())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts rows with a conflict clause (may be empty), answering the `returning` columns of
/// each row written, in no promised order.
pub(crate) async fn upsert_rows_returning<T>(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    on_conflict: &str,
    returning: &str,
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for (sql, args) in statements(engine, table, columns, rows, on_conflict) {
        let sql = format!("{sql} RETURNING {returning}");
        out.extend(
            sqlx::query_as_with::<_, T, _>(&sql, args.into_arguments())
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(out)
}

/// The statements that write `rows`, each with its bind values.
fn statements(
    engine: Engine,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    on_conflict: &str,
) -> Vec<(String, Args)> {
    let per = (MAX_PARAMS / columns.len()).clamp(1, MAX_ROWS);
    let mut rows = rows.into_iter().peekable();
    let mut out = Vec::new();
    while rows.peek().is_some() {
        let mut args = Args::default();
        let mut values = Vec::new();
        for row in rows.by_ref().take(per) {
            let ps: Vec<String> = row
                .into_iter()
                .map(|a| {
                    let p = args.push(a);
                    if engine == Engine::Sqlite {
                        "?".to_string()
                    } else {
                        p
                    }
                })
                .collect();
            values.push(format!("({})", ps.join(", ")));
        }
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {on_conflict}",
            columns.join(", "),
            values.join(", ")
        );
        out.push((sql, args));
    }
    out
}
