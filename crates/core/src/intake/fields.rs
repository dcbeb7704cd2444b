//! The fields a Segment message is read by, found either by a typed parse that borrows from
//! the sender's text, or in the message parsed whole into a JSON object.
//!
//! Why two: parsing every message into a `serde_json::Value` (a map, and a string for every key
//! and value) was most of the time a server spent on a batch. The typed parse reads only these
//! fields and skips the rest. It gives way to the whole parse when the message is not what it
//! expects (a field of another shape, a repeated key) or has to be rewritten before it is stored
//! (see `message::parse_item`); both then read the same fields the same way, so a message is
//! accepted or refused alike on either path.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// What a message says, field by field (absent or null: `None`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fields {
    pub kind: Option<Value>,
    pub user_id: Option<Value>,
    pub anonymous_id: Option<Value>,
    pub event: Option<Value>,
    pub name: Option<Value>,
    pub properties_name: Option<Value>,
    pub previous_id: Option<Value>,
    pub group_id: Option<Value>,
    pub context_group_id: Option<Value>,
    pub traits_company_id: Option<Value>,
    pub context_traits_company_id: Option<Value>,
    pub traits_email: Option<Value>,
    pub context_traits_email: Option<Value>,
    pub timestamp: Option<Value>,
    pub sent_at: Option<Value>,
    pub message_id: Option<Value>,
}

/// A message as the typed parse reads it; every other field is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Sent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    write_key: Option<&'a RawValue>,
    #[serde(borrow)]
    user_id: Option<&'a RawValue>,
    #[serde(borrow)]
    anonymous_id: Option<&'a RawValue>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    previous_id: Option<&'a RawValue>,
    #[serde(borrow)]
    group_id: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    sent_at: Option<&'a RawValue>,
    #[serde(borrow)]
    message_id: Option<&'a RawValue>,
    #[serde(borrow)]
    properties: Option<Properties<'a>>,
    #[serde(borrow)]
    traits: Option<Traits<'a>>,
    #[serde(borrow)]
    context: Option<Context<'a>>,
}

#[derive(Deserialize)]
struct Properties<'a> {
    #[serde(borrow)]
    name: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Traits<'a> {
    #[serde(borrow)]
    email: Option<&'a RawValue>,
    #[serde(borrow)]
    company: Option<Company<'a>>,
}

#[derive(Deserialize)]
struct Company<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context<'a> {
    #[serde(borrow)]
    group_id: Option<&'a RawValue>,
    #[serde(borrow)]
    traits: Option<Traits<'a>>,
}

/// The value of a field the typed parse found (its text is valid JSON: it was parsed once).
fn value(raw: Option<&RawValue>) -> Option<Value> {
    raw.and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        .filter(|v: &Value| !v.is_null())
}

impl Sent<'_> {
    /// Whether the message carries a write key (which is never stored).
    pub fn has_write_key(&self) -> bool {
        self.write_key.is_some()
    }

    pub fn fields(&self) -> Fields {
        let company_id = |t: &Option<Traits>| value(t.as_ref()?.company.as_ref()?.id);
        let context_traits = self.context.as_ref().and_then(|c| c.traits.as_ref());
        Fields {
            kind: value(self.kind),
            user_id: value(self.user_id),
            anonymous_id: value(self.anonymous_id),
            event: value(self.event),
            name: value(self.name),
            properties_name: value(self.properties.as_ref().and_then(|p| p.name)),
            previous_id: value(self.previous_id),
            group_id: value(self.group_id),
            context_group_id: value(self.context.as_ref().and_then(|c| c.group_id)),
            traits_company_id: company_id(&self.traits),
            context_traits_company_id: self.context.as_ref().and_then(|c| company_id(&c.traits)),
            traits_email: value(self.traits.as_ref().and_then(|t| t.email)),
            context_traits_email: value(context_traits.and_then(|t| t.email)),
            timestamp: value(self.timestamp),
            sent_at: value(self.sent_at),
            message_id: value(self.message_id),
        }
    }
}

/// The value at a `/a/b` path inside a message.
fn pointer(m: &Map<String, Value>, path: &str) -> Option<Value> {
    let mut parts = path.trim_start_matches('/').split('/');
    let mut v = m.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v.clone()).filter(|v| !v.is_null())
}

impl Fields {
    /// The fields of a message parsed whole.
    pub fn of(m: &Map<String, Value>) -> Fields {
        Fields {
            kind: pointer(m, "type"),
            user_id: pointer(m, "userId"),
            anonymous_id: pointer(m, "anonymousId"),
            event: pointer(m, "event"),
            name: pointer(m, "name"),
            properties_name: pointer(m, "/properties/name"),
            previous_id: pointer(m, "previousId"),
            group_id: pointer(m, "groupId"),
            context_group_id: pointer(m, "/context/groupId"),
            traits_company_id: pointer(m, "/traits/company/id"),
            context_traits_company_id: pointer(m, "/context/traits/company/id"),
            traits_email: pointer(m, "/traits/email"),
            context_traits_email: pointer(m, "/context/traits/email"),
            timestamp: pointer(m, "timestamp"),
            sent_at: pointer(m, "sentAt"),
            message_id: pointer(m, "messageId"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both paths, where the typed one reads the message.
    fn both(text: &str) -> (Option<Fields>, Fields) {
        let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
            panic!("test messages are objects")
        };
        let typed = serde_json::from_str::<Sent>(text).ok().map(|s| s.fields());
        (typed, Fields::of(&m))
    }

    #[test]
    fn both_parses_read_the_same_fields() {
        for text in [
            r#"{"type": "track", "userId": "u1", "event": "E", "messageId": "m", "timestamp": "2026-11-23T10:00:00Z",
                "properties": {"name": "P", "plan": [1, 2]}, "context": {"groupId": 42, "traits": {"email": "a@b.c", "company": {"id": "C"}}},
                "traits": {"company": {"id": "T"}, "email": "x@y.z"}, "sentAt": "2026-11-23T10:00:01Z"}"#,
            r#"{"type": "page", "anonymousId": "a", "name": "Home", "context": null, "userId": null}"#,
            r#"{"type": "group", "userId": 7, "groupId": "G\u00e9", "previousId": "p", "traits": {"company": null}}"#,
        ] {
            let (typed, whole) = both(text);
            assert_eq!(typed.expect("the typed parse reads it"), whole, "{text}");
        }
    }

    #[test]
    fn a_message_of_another_shape_is_left_to_the_whole_parse() {
        for text in [
            r#"{"type": "track", "userId": "u", "event": "E", "context": "web"}"#,
            r#"{"type": "track", "userId": "u", "event": "E", "traits": {"company": 3}}"#,
            r#"{"type": "track", "userId": "u", "userId": "v", "event": "E"}"#,
        ] {
            let (typed, whole) = both(text);
            assert!(typed.is_none(), "{text}");
            assert!(whole.user_id.is_some(), "the whole parse reads it: {text}");
        }
    }
}
