//! Event history from a file, for back-filling: newline-delimited Segment JSON (one message a
//! line, as Segment's own exports and archives write them) or a CSV with one event a row, read
//! a message at a time.

use super::{Message, parse_message};
use crate::import::{RowError, delimiter};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};

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
    ("properties", &["properties", "props", "event properties"]),
];

/// An event file read a message at a time, so that a file of any size takes the memory of a
/// few lines: newline-delimited Segment JSON (told by its first character, `{`) or a CSV with
/// one event a row (`,` or `;`, UTF-8 with or without BOM). Each item is a message or the line
/// that is wrong and why. The reader is the caller's (a file, bytes in memory): nothing here
/// opens one.
pub struct EventStream<R: Read> {
    shape: Shape<R>,
    received_at: DateTime<Utc>,
}

enum Shape<R: Read> {
    Lines {
        reader: BufReader<R>,
        line: usize,
        buf: Vec<u8>,
    },
    Csv {
        reader: csv::Reader<BufReader<R>>,
        columns: Vec<(&'static str, Option<usize>)>,
        record: csv::ByteRecord,
    },
}

/// How much of the file is looked at to tell its shape and, for a CSV, its delimiter.
const SNIFF_BYTES: usize = 64 * 1024;

impl<R: Read> EventStream<R> {
    /// Tells the file's shape from its start; a CSV's header is read and checked here.
    pub fn new(reader: R, received_at: DateTime<Utc>) -> Result<Self, RowError> {
        let at_line_1 = |message: String| RowError {
            line: 1,
            column: None,
            message,
        };
        let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
        let head = reader
            .fill_buf()
            .map_err(|e| at_line_1(format!("cannot read the file: {e}")))?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let head = if bom { &head[3..] } else { head };
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            if bom {
                reader.consume(3);
            }
            return Ok(EventStream {
                shape: Shape::Lines {
                    reader,
                    line: 0,
                    buf: Vec::new(),
                },
                received_at,
            });
        }
        let delimiter = delimiter(head);
        if bom {
            reader.consume(3);
        }
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut record = csv::ByteRecord::new();
        let headers: Vec<String> = loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => return Err(at_line_1("the file is empty".into())),
                Ok(true) => {}
                Err(e) => return Err(at_line_1(e.to_string())),
            }
            let cells: Vec<String> = record
                .iter()
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect();
            if cells.iter().any(|c| !c.is_empty()) {
                break cells;
            }
        };
        let column = |field: &str| {
            let aliases = CSV_FIELDS
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, a)| *a)
                .unwrap_or(&[]);
            headers
                .iter()
                .position(|h| aliases.contains(&h.to_lowercase().as_str()))
        };
        let columns: Vec<(&str, Option<usize>)> =
            CSV_FIELDS.iter().map(|(f, _)| (*f, column(f))).collect();
        if column("type").is_none() && column("event").is_none() {
            return Err(at_line_1(
                "the file needs a \"type\" or an \"event\" column (or one Segment JSON message a line)".into(),
            ));
        }
        Ok(EventStream {
            shape: Shape::Csv {
                reader: csv,
                columns,
                record,
            },
            received_at,
        })
    }
}

impl<R: Read> Iterator for EventStream<R> {
    type Item = Result<Message, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let received_at = self.received_at;
        let error = |line: usize, message: String| {
            Some(Err(RowError {
                line,
                column: None,
                message,
            }))
        };
        match &mut self.shape {
            Shape::Lines { reader, line, buf } => loop {
                buf.clear();
                *line += 1;
                match reader.read_until(b'\n', buf) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return error(*line, format!("cannot read the file: {e}")),
                }
                let Ok(text) = std::str::from_utf8(buf) else {
                    return error(*line, "the line is not UTF-8 text".into());
                };
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                return Some(parse_message(text, received_at).map_err(|e| RowError {
                    line: *line,
                    column: None,
                    message: e.message,
                }));
            },
            Shape::Csv {
                reader,
                columns,
                record,
            } => loop {
                match reader.read_byte_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line() as usize);
                        return error(line, e.to_string());
                    }
                }
                let line = record.position().map_or(0, |p| p.line() as usize);
                let Ok(cells) = record
                    .iter()
                    .map(|c| std::str::from_utf8(c).map(str::trim))
                    .collect::<Result<Vec<&str>, _>>()
                else {
                    return error(line, "the row is not UTF-8 text".into());
                };
                if cells.iter().all(|c| c.is_empty()) {
                    continue;
                }
                return Some(
                    csv_message(columns, &cells)
                        .and_then(|json| parse_message(&json, received_at).map_err(|e| e.message))
                        .map_err(|message| RowError {
                            line,
                            column: None,
                            message,
                        }),
                );
            },
        }
    }
}

/// Every message of a file in memory, or every line that is wrong and why (then nothing
/// should be stored).
pub fn read_event_file(
    bytes: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Vec<Message>, Vec<RowError>> {
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    for item in EventStream::new(bytes, received_at).map_err(|e| vec![e])? {
        match item {
            Ok(m) => messages.push(m),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(messages)
    } else {
        Err(errors)
    }
}

/// A CSV row as a Segment message (JSON text); a row without a type is a track. Its
/// properties, when the file has them, are a JSON object.
fn csv_message(columns: &[(&str, Option<usize>)], cells: &[&str]) -> Result<String, String> {
    let mut m = Map::new();
    for (field, col) in columns {
        let Some(v) = col
            .and_then(|c| cells.get(c))
            .copied()
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
            "properties" => match serde_json::from_str::<Value>(v) {
                Ok(p @ Value::Object(_)) => {
                    m.insert("properties".into(), p);
                }
                _ => {
                    return Err(format!(
                        "properties: {v:?} is not a JSON object like {{\"plan\": \"pro\"}}"
                    ));
                }
            },
            f => {
                m.insert(f.into(), Value::String(v.into()));
            }
        }
    }
    if !m.contains_key("type") {
        m.insert("type".into(), Value::String("track".into()));
    }
    Ok(Value::Object(m).to_string())
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

    /// A reader that hands out a few bytes at a time, as a slow disk or a pipe would.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(7).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_file_is_read_a_message_at_a_time_whatever_its_size_and_bad_lines_keep_their_number() {
        let now = Utc::now();
        let mut file = String::from("\u{feff}");
        for i in 0..20_000 {
            file.push_str(&format!(
                "{{\"type\":\"track\",\"userId\":\"u{i}\",\"event\":\"Report Built\",\"messageId\":\"m{i}\"}}\n"
            ));
        }
        let mut bytes = file.into_bytes();
        bytes.extend_from_slice(b"{\"type\":\"track\",\"userId\":\"\xff\"}\n");
        let items: Vec<_> = EventStream::new(Trickle(&bytes), now).unwrap().collect();
        assert_eq!(items.len(), 20_001);
        assert_eq!(items[19_999].as_ref().unwrap().message_id, "m19999");
        let last = items[20_000].as_ref().unwrap_err();
        assert_eq!(
            (last.line, last.message.as_str()),
            (20_001, "the line is not UTF-8 text")
        );
    }

    #[test]
    fn a_csvs_properties_are_a_json_object_and_semicolons_work() {
        let now = Utc::now();
        let csv = "\u{feff}account;user_id;event;timestamp;message_id;properties\n\
                   ACME;u1;Invoice Sent;2026-11-01T10:00:00Z;m1;\"{\"\"amount\"\": 12}\"\n\
                   ACME;u1;Invoice Sent;2026-11-01T10:00:00Z;m2;twelve\n";
        let items: Vec<_> = EventStream::new(csv.as_bytes(), now).unwrap().collect();
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.group_id.as_deref(), Some("ACME"));
        assert!(first.body.contains("\"amount\":12"), "{}", first.body);
        let bad = items[1].as_ref().unwrap_err();
        assert_eq!(bad.line, 3);
        assert!(
            bad.message
                .starts_with("properties: \"twelve\" is not a JSON object"),
            "{}",
            bad.message
        );
        let none = EventStream::new(&b"when,who\n1,2\n"[..], now)
            .err()
            .unwrap();
        assert!(
            none.message
                .contains("needs a \"type\" or an \"event\" column")
        );
    }
}
