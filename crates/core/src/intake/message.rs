//! Segment messages: parsing a request (one message, or a batch), the limits, the required
//! fields, clock-skew correction, and the id a message is deduplicated on.

use super::fields::{Fields, Sent};
use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Segment's limits, applied to the decompressed body.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
pub const MAX_REQUEST_BYTES: usize = 500 * 1024;
pub const MAX_BATCH_MESSAGES: usize = 2500;
/// Longest text kept for an id or an event name.
const MAX_ID: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Identify,
    Track,
    Page,
    Screen,
    Group,
    Alias,
}

impl MessageKind {
    pub fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "identify" => MessageKind::Identify,
            "track" => MessageKind::Track,
            "page" => MessageKind::Page,
            "screen" => MessageKind::Screen,
            "group" => MessageKind::Group,
            "alias" => MessageKind::Alias,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            MessageKind::Identify => "identify",
            MessageKind::Track => "track",
            MessageKind::Page => "page",
            MessageKind::Screen => "screen",
            MessageKind::Group => "group",
            MessageKind::Alias => "alias",
        }
    }
}

/// A message that passed every check, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub message_id: String,
    pub kind: MessageKind,
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    /// The event of a track; the name of a page or screen.
    pub name: Option<String>,
    /// The account the message names: `groupId` of a group, else `context.groupId` or
    /// `traits.company.id`. It is the account's external id in the book.
    pub group_id: Option<String>,
    /// The email an identify gives the user (ties the user to a contact).
    pub email: Option<String>,
    /// When it happened, corrected for the sender's clock skew.
    pub timestamp: DateTime<Utc>,
    /// The message as stored: the item with the batch's context merged in.
    pub body: String,
}

impl Message {
    /// Who did it: the user id, else the anonymous id (kept apart by a prefix).
    pub fn user_key(&self) -> Cow<'_, str> {
        match (&self.user_id, &self.anonymous_id) {
            (Some(u), _) => Cow::Borrowed(u),
            (None, Some(a)) => Cow::Owned(format!("anon:{a}")),
            (None, None) => unreachable!("a message without either id is rejected"),
        }
    }
}

/// Why a message or a request was refused; `index` is the message's place in a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    fn new(index: Option<usize>, code: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            index,
            code,
            message: message.into(),
        }
    }
}

/// A request's messages, each accepted or refused, and the write key it carried in its body.
#[derive(Debug)]
pub struct Request {
    pub write_key: Option<String>,
    pub messages: Vec<Result<Message, Rejection>>,
}

#[derive(serde::Deserialize)]
struct BatchBody<'a> {
    #[serde(borrow)]
    batch: Option<Vec<&'a RawValue>>,
    context: Option<Map<String, Value>>,
    integrations: Option<Map<String, Value>>,
    #[serde(rename = "sentAt")]
    sent_at: Option<Value>,
    #[serde(rename = "writeKey")]
    write_key: Option<String>,
}

/// Parses one message standing alone, as a line of a newline-delimited file holds it: its
/// `type` says what it is.
pub fn parse_message(text: &str, received_at: DateTime<Utc>) -> Result<Message, Rejection> {
    let item: &RawValue = serde_json::from_str(text)
        .map_err(|e| Rejection::new(None, "invalid_json", format!("not a JSON message: {e}")))?;
    parse_item(None, item, None, &Shared::default(), received_at)
}

/// Parses a request body (already decompressed and within [`MAX_REQUEST_BYTES`]). `kind` is the
/// endpoint's type (`/v1/track`), or `None` for `/v1/batch` and its other names.
pub fn parse_request(
    kind: Option<MessageKind>,
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Request, Rejection> {
    let invalid = |e: serde_json::Error| {
        Rejection::new(
            None,
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
    };
    match kind {
        Some(kind) => {
            let item: &RawValue = serde_json::from_slice(body).map_err(invalid)?;
            let write_key = serde_json::from_str::<Map<String, Value>>(item.get())
                .ok()
                .and_then(|m| m.get("writeKey").and_then(Value::as_str).map(String::from));
            let msg = parse_item(None, item, Some(kind), &Shared::default(), received_at);
            Ok(Request {
                write_key,
                messages: vec![msg],
            })
        }
        None => {
            let b: BatchBody = serde_json::from_slice(body).map_err(invalid)?;
            let items = b.batch.ok_or_else(|| {
                Rejection::new(
                    None,
                    "invalid_batch",
                    "a batch needs a \"batch\" array of messages",
                )
            })?;
            if items.len() > MAX_BATCH_MESSAGES {
                return Err(Rejection::new(
                    None,
                    "too_many_messages",
                    format!(
                        "the batch has {} messages; send at most {MAX_BATCH_MESSAGES} per request",
                        items.len()
                    ),
                ));
            }
            for (key, part) in [("context", &b.context), ("integrations", &b.integrations)] {
                if let Some(field) = part
                    .as_ref()
                    .and_then(|m| crate::nul::nul_path(&Value::Object(m.clone())))
                {
                    return Err(Rejection::new(
                        None,
                        "nul_character",
                        format!("the batch's {key}.{field} {}", crate::nul::REFUSED),
                    ));
                }
            }
            let shared = Shared {
                context: b.context,
                integrations: b.integrations,
                sent_at: b.sent_at.as_ref().and_then(parse_time),
            };
            Ok(Request {
                write_key: b.write_key,
                messages: items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| parse_item(Some(i), item, None, &shared, received_at))
                    .collect(),
            })
        }
    }
}

/// What a batch gives every message in it.
#[derive(Default)]
struct Shared {
    context: Option<Map<String, Value>>,
    integrations: Option<Map<String, Value>>,
    sent_at: Option<DateTime<Utc>>,
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc())
}

/// A string field (numbers are accepted as ids, as Segment does), trimmed and bounded.
fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if s.is_empty() {
        return None;
    }
    // Bytes bound chars: only a longer text needs cutting, at a char boundary.
    Some(if s.len() <= MAX_ID {
        s
    } else {
        s.chars().take(MAX_ID).collect()
    })
}

fn parse_item(
    index: Option<usize>,
    raw: &RawValue,
    kind: Option<MessageKind>,
    shared: &Shared,
    received_at: DateTime<Utc>,
) -> Result<Message, Rejection> {
    let reject = |code, m: String| Rejection::new(index, code, m);
    let raw_text = raw.get();
    if raw_text.len() > MAX_MESSAGE_BYTES {
        return Err(reject(
            "message_too_large",
            format!(
                "the message is {} bytes; the limit is {MAX_MESSAGE_BYTES}",
                raw_text.len()
            ),
        ));
    }
    if crate::nul::json_has_nul(raw_text.as_bytes()) {
        let field = serde_json::from_str::<Value>(raw_text)
            .ok()
            .as_ref()
            .and_then(crate::nul::nul_path)
            .unwrap_or_else(|| "the message".into());
        return Err(reject(
            "nul_character",
            format!("{field} {}", crate::nul::REFUSED),
        ));
    }
    // The common case (Segment's libraries send complete messages): the typed parse reads the
    // fields, and the message is stored as sent, since normalising it would change nothing.
    if shared.context.is_none()
        && shared.integrations.is_none()
        && raw_text.starts_with('{')
        && let Ok(sent) = serde_json::from_str::<Sent>(raw_text)
    {
        let fields = sent.fields();
        let mut m = read(index, &fields, kind, shared, received_at, raw_text)?;
        let id_as_sent = fields.message_id.as_ref().and_then(Value::as_str);
        if !sent.has_write_key()
            && fields.kind.as_ref().and_then(Value::as_str) == Some(m.kind.as_str())
            && id_as_sent == Some(m.message_id.as_str())
        {
            m.body = raw_text.to_owned();
            return Ok(m);
        }
    }
    let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(raw_text) else {
        return Err(reject(
            "invalid_message",
            "a message must be a JSON object".into(),
        ));
    };
    // The batch's context and integrations, under the message's own.
    for (key, shared) in [
        ("context", &shared.context),
        ("integrations", &shared.integrations),
    ] {
        if let Some(base) = shared {
            let mut merged = base.clone();
            if let Some(Value::Object(own)) = m.get(key) {
                merged.extend(own.clone());
            }
            m.insert(key.into(), Value::Object(merged));
        }
    }
    let mut message = read(index, &Fields::of(&m), kind, shared, received_at, raw_text)?;
    m.remove("writeKey");
    m.insert("type".into(), Value::String(message.kind.as_str().into()));
    m.insert(
        "messageId".into(),
        Value::String(message.message_id.clone()),
    );
    message.body = Value::Object(m).to_string();
    Ok(message)
}

/// Checks a message's fields and reads what is stored of it; the body is left empty.
fn read(
    index: Option<usize>,
    f: &Fields,
    kind: Option<MessageKind>,
    shared: &Shared,
    received_at: DateTime<Utc>,
    raw_text: &str,
) -> Result<Message, Rejection> {
    let reject = |code, m: String| Rejection::new(index, code, m);
    let kind = match kind {
        Some(k) => k,
        None => {
            let t = f.kind.as_ref().and_then(Value::as_str).unwrap_or("");
            MessageKind::parse(t).ok_or_else(|| {
                reject(
                    "invalid_type",
                    format!(
                        "\"type\" is {t:?}; expected identify, track, page, screen, group or alias"
                    ),
                )
            })?
        }
    };
    let user_id = text(f.user_id.as_ref());
    let anonymous_id = text(f.anonymous_id.as_ref());
    if user_id.is_none() && anonymous_id.is_none() {
        return Err(reject(
            "missing_user",
            "the message needs a userId or an anonymousId".into(),
        ));
    }
    let name =
        match kind {
            MessageKind::Track => Some(text(f.event.as_ref()).ok_or_else(|| {
                reject("missing_event", "a track message needs an \"event\"".into())
            })?),
            MessageKind::Page | MessageKind::Screen => {
                text(f.name.as_ref()).or_else(|| text(f.properties_name.as_ref()))
            }
            _ => None,
        };
    if kind == MessageKind::Alias && text(f.previous_id.as_ref()).is_none() {
        return Err(reject(
            "missing_previous_id",
            "an alias message needs a \"previousId\"".into(),
        ));
    }
    let group_id = match kind {
        MessageKind::Group => Some(text(f.group_id.as_ref()).ok_or_else(|| {
            reject(
                "missing_group_id",
                "a group message needs a \"groupId\"".into(),
            )
        })?),
        _ => text(f.context_group_id.as_ref())
            .or_else(|| text(f.traits_company_id.as_ref()))
            .or_else(|| text(f.context_traits_company_id.as_ref())),
    };
    let email = match kind {
        MessageKind::Identify => text(f.traits_email.as_ref()),
        _ => None,
    }
    .or_else(|| text(f.context_traits_email.as_ref()));
    let stamped = match &f.timestamp {
        None => None,
        Some(v) => Some(parse_time(v).ok_or_else(|| {
            reject(
                "invalid_timestamp",
                format!("\"timestamp\" {v} is not an ISO 8601 date and time"),
            )
        })?),
    };
    let sent_at = f.sent_at.as_ref().and_then(parse_time).or(shared.sent_at);
    // The sender's clock may be off: what it calls `sentAt` is our `received_at`.
    let timestamp = match (stamped, sent_at) {
        (Some(t), Some(sent)) => received_at - (sent - t),
        (Some(t), None) => t,
        (None, _) => received_at,
    };
    let message_id = text(f.message_id.as_ref()).unwrap_or_else(|| {
        // A retried request without ids carries the same content, hence the same id.
        let digest = Sha256::digest(raw_text.as_bytes());
        format!("sherpa-{}", &hex::encode(digest)[..32])
    });
    Ok(Message {
        message_id,
        kind,
        user_id,
        anonymous_id,
        name,
        group_id,
        email,
        timestamp,
        body: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_nul_anywhere_in_a_message_rejects_that_message_alone_naming_the_field() {
        let fields = [
            (r#""userId": "u\u0000""#, "userId"),
            (r#""userId": "u1", "event": "Report\u0000""#, "event"),
            (
                r#""userId": "u1", "properties": {"n": ["ok", "x\u0000"]}"#,
                "properties.n[1]",
            ),
            (
                r#""userId": "u1", "context": {"groupId": "\u0000"}"#,
                "context.groupId",
            ),
        ];
        for (fields, path) in fields {
            let body = format!(
                r#"{{"batch": [
                  {{"type": "track", "userId": "u1", "event": "Report Built", "messageId": "m1"}},
                  {{"type": "track", "event": "E", "messageId": "m2", {fields}}}
                ]}}"#
            );
            let r = parse_request(None, body.as_bytes(), at("2026-11-23T10:00:05Z")).unwrap();
            assert!(r.messages[0].is_ok(), "the good message stays");
            let bad = r.messages[1].as_ref().unwrap_err();
            assert_eq!((bad.index, bad.code), (Some(1), "nul_character"));
            assert!(
                bad.message.starts_with(&format!("{path} contains a NUL")),
                "{}",
                bad.message
            );
        }
        // The text "\u0000" (an escaped backslash) is no NUL.
        let body = r#"{"type": "track", "userId": "u1", "event": "C:\\u0000", "messageId": "m"}"#;
        assert!(parse_message(body, at("2026-11-23T10:00:05Z")).is_ok());
        // A batch whose shared context holds a NUL is refused whole: every message would carry it.
        let body = r#"{"context": {"ip": "\u0000"}, "batch": [{"type": "track", "userId": "u", "event": "E"}]}"#;
        let e = parse_request(None, body.as_bytes(), at("2026-11-23T10:00:05Z")).unwrap_err();
        assert_eq!(e.code, "nul_character");
        assert!(e.message.contains("context.ip"), "{}", e.message);
    }

    #[test]
    fn a_batch_keeps_its_good_messages_and_names_the_bad_ones() {
        let body = r#"{"writeKey": "k", "context": {"library": {"name": "analytics-python"}, "groupId": "ACME"},
            "batch": [
              {"type": "track", "userId": "u1", "event": "Report Built", "messageId": "m1", "timestamp": "2026-11-23T10:00:00Z"},
              {"type": "track", "userId": "u1"},
              {"type": "group", "anonymousId": "a1", "messageId": "m3"},
              {"type": "page", "anonymousId": "a1", "name": "Home", "context": {"groupId": "BETA"}},
              {"type": "shout", "userId": "u1"},
              {"type": "identify", "traits": {"email": "x@example.com"}}
            ]}"#;
        let r = parse_request(None, body.as_bytes(), at("2026-11-23T10:00:05Z")).unwrap();
        assert_eq!(r.write_key.as_deref(), Some("k"));
        let codes: Vec<_> = r
            .messages
            .iter()
            .map(|m| m.as_ref().err().map(|e| (e.index, e.code)))
            .collect();
        assert_eq!(
            codes,
            vec![
                None,
                Some((Some(1), "missing_event")),
                Some((Some(2), "missing_group_id")),
                None,
                Some((Some(4), "invalid_type")),
                Some((Some(5), "missing_user")),
            ]
        );
        let first = r.messages[0].as_ref().unwrap();
        assert_eq!(
            first.group_id.as_deref(),
            Some("ACME"),
            "the batch context applies"
        );
        assert!(first.body.contains("analytics-python"));
        let page = r.messages[3].as_ref().unwrap();
        assert_eq!(
            page.group_id.as_deref(),
            Some("BETA"),
            "the message's own context wins"
        );
        assert_eq!(page.user_key(), "anon:a1");
        assert!(
            page.message_id.starts_with("sherpa-"),
            "an id is made when absent"
        );
    }

    #[test]
    fn the_senders_clock_skew_is_corrected_from_sent_at() {
        // The client's clock is 10 minutes fast: it says it sent at 10:10 what we got at 10:00.
        let body = r#"{"userId": "u", "event": "E", "timestamp": "2026-11-23T10:09:00Z", "sentAt": "2026-11-23T10:10:00Z"}"#;
        let r = parse_request(
            Some(MessageKind::Track),
            body.as_bytes(),
            at("2026-11-23T10:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            r.messages[0].as_ref().unwrap().timestamp,
            at("2026-11-23T09:59:00Z")
        );
    }

    #[test]
    fn limits_and_bad_json_are_refused_with_a_reason() {
        let big = format!(
            r#"{{"userId": "u", "event": "E", "properties": {{"x": "{}"}}}}"#,
            "y".repeat(MAX_MESSAGE_BYTES)
        );
        let r = parse_request(Some(MessageKind::Track), big.as_bytes(), Utc::now()).unwrap();
        assert_eq!(
            r.messages[0].as_ref().unwrap_err().code,
            "message_too_large"
        );
        let e = parse_request(None, b"{\"batch\": [", Utc::now()).unwrap_err();
        assert_eq!(e.code, "invalid_json");
        let many = format!(
            r#"{{"batch": [{}]}}"#,
            vec![r#"{"type":"track","userId":"u","event":"E"}"#; MAX_BATCH_MESSAGES + 1].join(",")
        );
        assert_eq!(
            parse_request(None, many.as_bytes(), Utc::now())
                .unwrap_err()
                .code,
            "too_many_messages"
        );
    }

    #[test]
    fn the_same_message_without_an_id_gets_the_same_id_twice() {
        let body = br#"{"userId": "u", "event": "E", "timestamp": "2026-11-23T10:00:00Z"}"#;
        let a = parse_request(Some(MessageKind::Track), body, Utc::now()).unwrap();
        let b = parse_request(Some(MessageKind::Track), body, Utc::now()).unwrap();
        assert_eq!(
            a.messages[0].as_ref().unwrap().message_id,
            b.messages[0].as_ref().unwrap().message_id
        );
    }

    #[test]
    fn the_stored_body_is_the_message_with_its_type_and_id_and_without_the_key() {
        let body = |r: &Request, i: usize| -> Value {
            serde_json::from_str(&r.messages[i].as_ref().unwrap().body).unwrap()
        };
        // Complete messages are kept as sent.
        let sent = r#"{"type": "track", "userId": "u", "event": "E", "messageId": "m1"}"#;
        let batch = format!(r#"{{"writeKey": "k", "batch": [{sent}]}}"#);
        let r = parse_request(None, batch.as_bytes(), Utc::now()).unwrap();
        assert_eq!(r.messages[0].as_ref().unwrap().body, sent);
        // Otherwise the stored body says what was made of the message: its type, its id (given,
        // trimmed or generated), the batch's context, and never a write key.
        let batch = r#"{"context": {"library": {"name": "lib"}}, "batch": [
            {"type": "track", "userId": "u", "event": "E", "messageId": " m2 ", "writeKey": "k"}]}"#;
        let r = parse_request(None, batch.as_bytes(), Utc::now()).unwrap();
        let b = body(&r, 0);
        assert_eq!(b["messageId"], "m2");
        assert_eq!(b["context"]["library"]["name"], "lib");
        assert!(b.get("writeKey").is_none());
        let r = parse_request(
            Some(MessageKind::Track),
            br#"{"userId": "u", "event": "E", "writeKey": "k"}"#,
            Utc::now(),
        )
        .unwrap();
        let b = body(&r, 0);
        assert_eq!(b["type"], "track");
        assert_eq!(
            b["messageId"],
            r.messages[0].as_ref().unwrap().message_id.as_str()
        );
        assert!(b.get("writeKey").is_none());
    }
}
