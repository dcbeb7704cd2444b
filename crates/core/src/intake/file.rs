//! Event history from a file, for back-filling: newline-delimited Segment JSON (one message a
//! line, as Segment's own exports and archives write them) or a CSV with one event a row.

use super::{MAX_BATCH_MESSAGES, Message, parse_request};
use crate::import::{RowError, read_sheet};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// CSV headers and the Segment field each fills.
const CSV_FIELDS: &[(&str, &[&str])] = &[
    ("type", &["type", "kind"]),
    ("userId", &["userid", "user_id", "user id", "user"]),
    (
        "anonymousId",
        &["anonymousid", "anonymous_id", "anonymous id"],
    ),
    ("event", &["event", "event name", "event_name"]),
    ("name", &["name", "page", "screen"]),
    (
        "groupId",
        &[
            "groupid",
            "group_id",
            "group id",
            "account",
            "account id",
            "account_external_id",
        ],
    ),
    (
        "timestamp",
        &["timestamp", "time", "occurred at", "occurred_at", "date"],
    ),
    (
        "messageId",
        &["messageid", "message_id", "message id", "id"],
    ),
    ("email", &["email", "user email"]),
];

/// Every message of the file, or every line that is wrong and why (then nothing should be
/// stored).
pub fn read_event_file(
    bytes: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Vec<Message>, Vec<RowError>> {
    let first = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    let items: Vec<(usize, String)> = if first == Some(&b'{') {
        String::from_utf8_lossy(bytes)
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l.trim().to_string()))
            .collect()
    } else {
        csv_messages(bytes)?
    };
    let mut messages = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for chunk in items.chunks(MAX_BATCH_MESSAGES) {
        let body = format!(
            "{{\"batch\":[{}]}}",
            chunk
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        match parse_request(None, body.as_bytes(), received_at) {
            Ok(r) => {
                for (m, (line, _)) in r.messages.into_iter().zip(chunk) {
                    match m {
                        Ok(m) => messages.push(m),
                        Err(e) => errors.push(RowError {
                            line: *line,
                            column: None,
                            message: e.message,
                        }),
                    }
                }
            }
            // A line is not JSON: go through the chunk line by line to name every bad one.
            Err(_) => {
                for (line, text) in chunk {
                    let one = format!("{{\"batch\":[{text}]}}");
                    let outcome = parse_request(None, one.as_bytes(), received_at)
                        .map_err(|e| format!("not a JSON message: {}", e.message))
                        .and_then(|mut r| r.messages.remove(0).map_err(|e| e.message));
                    match outcome {
                        Ok(m) => messages.push(m),
                        Err(message) => errors.push(RowError {
                            line: *line,
                            column: None,
                            message,
                        }),
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(messages)
    } else {
        Err(errors)
    }
}

/// A CSV's rows as Segment messages (JSON text), with their lines.
fn csv_messages(bytes: &[u8]) -> Result<Vec<(usize, String)>, Vec<RowError>> {
    let sheet = read_sheet(bytes).map_err(|e| {
        vec![RowError {
            line: 1,
            column: None,
            message: e.to_string(),
        }]
    })?;
    let column = |field: &str| {
        let aliases = CSV_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, a)| *a)
            .unwrap_or(&[]);
        sheet
            .headers
            .iter()
            .position(|h| aliases.contains(&h.trim().to_lowercase().as_str()))
    };
    let columns: Vec<(&str, Option<usize>)> =
        CSV_FIELDS.iter().map(|(f, _)| (*f, column(f))).collect();
    if columns.iter().all(|(f, c)| *f != "type" || c.is_none()) && column("event").is_none() {
        return Err(vec![RowError {
            line: 1,
            column: None,
            message: "the file needs a \"type\" or an \"event\" column (or one Segment JSON message a line)".into(),
        }]);
    }
    Ok(sheet
        .rows
        .iter()
        .map(|row| {
            let mut m = Map::new();
            for (field, col) in &columns {
                let Some(v) = col
                    .and_then(|c| row.cells.get(c))
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                else {
                    continue;
                };
                match *field {
                    "email" => {
                        m.insert("traits".into(), serde_json::json!({ "email": v }));
                    }
                    "groupId" => {
                        m.insert("context".into(), serde_json::json!({ "groupId": v }));
                        m.insert("groupId".into(), Value::String(v.into()));
                    }
                    f => {
                        m.insert(f.into(), Value::String(v.into()));
                    }
                }
            }
            if !m.contains_key("type") {
                m.insert("type".into(), Value::String("track".into()));
            }
            (row.line, Value::Object(m).to_string())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_json_and_csv_both_become_messages_and_bad_lines_are_named() {
        let now = Utc::now();
        let ndjson = b"{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\",\"messageId\":\"1\"}\n\n{\"type\":\"page\",\"anonymousId\":\"x\"}\n";
        assert_eq!(read_event_file(ndjson, now).unwrap().len(), 2);
        let bad = b"{\"type\":\"track\",\"userId\":\"u\"}\n{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\"}\n{oops\n";
        let errors = read_event_file(bad, now).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![1, 3]
        );
        let csv = b"timestamp,user_id,event,account\n2026-11-01T10:00:00Z,u1,Report Built,ACME\n2026-11-01T11:00:00Z,u2,Export,ACME\n";
        let m = read_event_file(csv, now).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].group_id.as_deref(), Some("ACME"));
        assert_eq!(m[1].name.as_deref(), Some("Export"));
    }
}
