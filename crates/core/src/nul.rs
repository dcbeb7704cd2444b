//! Text holds no NUL character. PostgreSQL cannot store one in text (SQLite can), so a book
//! must not depend on its engine for that: every door refuses a NUL (`\u0000` in JSON, `%00` in
//! a form or address, a 0 byte in a file) with the field it was in, before anything is stored,
//! on both engines alike.

use serde_json::Value;

/// What every refusal says after naming the field.
pub const REFUSED: &str =
    "contains a NUL character (\\u0000); text in Sherpa may not contain one, so nothing was stored";

/// Whether raw JSON text escapes a NUL anywhere (`\u0000`, in a string or a key). A
/// backslash that is itself escaped (`\\u0000`) is the text "\u0000", not a NUL. This is a scan
/// of the bytes, cheap enough for every request; finding the field is [`nul_path`]'s job.
pub fn json_has_nul(raw: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            if raw.get(i + 1) == Some(&b'u') && raw.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            // Whatever follows the backslash is escaped, a backslash included.
            i += 2;
        } else if raw[i] == 0 {
            return true;
        } else {
            i += 1;
        }
    }
    false
}

/// Where in a JSON value the first NUL is, as a path like `contacts[2].email` (a key with a
/// NUL is named by its own path); `None` when there is none.
pub fn nul_path(v: &Value) -> Option<String> {
    fn walk(v: &Value, path: &str) -> Option<String> {
        match v {
            Value::String(s) => s.contains('\0').then(|| path.to_string()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            Value::Object(fields) => fields.iter().find_map(|(k, item)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(here.replace('\0', "\\u0000"))
                } else {
                    walk(item, &here)
                }
            }),
            _ => None,
        }
    }
    walk(v, "")
}

/// The first of named texts (a form's fields, a row's cells) that holds a NUL.
pub fn first_with_nul<'a, N: AsRef<str> + 'a, T: AsRef<str> + 'a>(
    fields: impl IntoIterator<Item = (N, T)>,
) -> Option<String> {
    fields
        .into_iter()
        .find(|(name, text)| name.as_ref().contains('\0') || text.as_ref().contains('\0'))
        .map(|(name, _)| name.as_ref().replace('\0', "\\u0000"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_escaped_nul_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(json_has_nul(br#"{"name":"a\u0000b"}"#));
        assert!(json_has_nul(br#"{"a\u0000":1}"#));
        assert!(
            json_has_nul(br#"["\\\u0000"]"#),
            "an escaped backslash, then a NUL"
        );
        assert!(
            !json_has_nul(br#"{"name":"a\\u0000b"}"#),
            "the text \\u0000"
        );
        assert!(
            !json_has_nul(br#"{"name":"\u0001"}"#),
            "another control character"
        );
        assert!(!json_has_nul(br#"{"name":"plain"}"#));
        assert!(!json_has_nul(br#"{"name":"ends in a backslash \\"}"#));
    }

    #[test]
    fn the_path_names_the_field_that_holds_the_nul() {
        let v = json!({"name": "Acme", "contacts": [{"email": "a@b.c"}, {"email": "x\u{0}y"}]});
        assert_eq!(nul_path(&v).as_deref(), Some("contacts[1].email"));
        let v = json!({"traits": {"bad\u{0}key": 1}});
        assert_eq!(nul_path(&v).as_deref(), Some("traits.bad\\u0000key"));
        assert_eq!(nul_path(&json!({"name": "Acme", "n": 3})), None);
        assert_eq!(nul_path(&json!("\u{0}")).as_deref(), Some(""));
    }

    #[test]
    fn named_texts_name_the_first_with_a_nul() {
        let form = [("name", "Acme"), ("note", "a\0b"), ("other", "\0")];
        assert_eq!(first_with_nul(form).as_deref(), Some("note"));
        assert_eq!(first_with_nul([("name", "Acme")]), None);
    }
}
