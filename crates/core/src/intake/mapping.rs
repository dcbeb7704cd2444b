//! Which account each message belongs to. A group call, or a message naming a group, moves its
//! user to that account; later messages of the user without a group follow the user. An
//! identify whose email is a contact's ties the user to that contact (and, when the user has no
//! account yet, to the contact's account). A user seen in a group the book does not hold yet
//! waits under it, and follows it once its account appears. The store looks up what is
//! already known; this decides, so that every database engine maps the same way.

use super::{Message, MessageKind, RollupDelta};
use crate::book::{AccountId, ContactId};
use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::Hash;

/// What a batch asks the book about.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    /// Group ids: accounts' external ids.
    pub groups: Vec<String>,
    /// User keys (see [`Message::user_key`]).
    pub users: Vec<String>,
    /// Emails of identify calls, lower-cased.
    pub emails: Vec<String>,
}

/// A product user as the book knows them: their account and their contact.
pub type ProductUser = (Option<AccountId>, Option<ContactId>);

/// What the book answered.
#[derive(Debug, Default)]
pub struct Known {
    /// Account of each known group id.
    pub accounts: HashMap<String, AccountId>,
    pub users: HashMap<String, ProductUser>,
    /// Contact (and its account) of each known email.
    pub contacts: HashMap<String, (ContactId, AccountId)>,
}

/// The messages of a batch, each once: a message repeated inside one request counts once.
pub fn distinct(messages: &[Message]) -> Vec<&Message> {
    let mut seen = HashSet::new();
    messages
        .iter()
        .filter(|m| seen.insert(m.message_id.as_str()))
        .collect()
}

/// What to look up for these messages.
pub fn lookups(messages: &[&Message]) -> Lookups {
    let groups: BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m.group_id.as_deref())
        .collect();
    let users: BTreeSet<Cow<'_, str>> = messages.iter().map(|m| m.user_key()).collect();
    let emails: BTreeSet<String> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::Identify)
        .filter_map(|m| m.email.as_ref().map(|e| e.to_lowercase()))
        .collect();
    Lookups {
        groups: groups.into_iter().map(String::from).collect(),
        users: users.into_iter().map(Cow::into_owned).collect(),
        emails: emails.into_iter().collect(),
    }
}

/// Where each message goes, and the users whose account or contact changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// The account of each message, in order; `None` is unmapped.
    pub accounts: Vec<Option<AccountId>>,
    /// Users to save, with what they are now.
    pub changed_users: BTreeMap<String, ProductUser>,
    /// Users whose latest group is not in the book yet, by that group's id.
    pub waiting_users: BTreeMap<String, String>,
}

/// Walks the messages in order.
pub fn map(messages: &[&Message], mut known: Known) -> Mapping {
    let mut changed: BTreeSet<String> = BTreeSet::new();
    let mut waiting: BTreeMap<String, String> = BTreeMap::new();
    let mut accounts = Vec::with_capacity(messages.len());
    for m in messages {
        let key = m.user_key();
        // Found by `&str`: a user's key is copied only the first time it is seen.
        if !known.users.contains_key(&*key) {
            known.users.insert(key.to_string(), (None, None));
        }
        let entry = known.users.get_mut(&*key).expect("inserted above");
        if m.kind == MessageKind::Identify
            && let Some((contact, contact_account)) = m
                .email
                .as_ref()
                .and_then(|e| known.contacts.get(&e.to_lowercase()))
            && (entry.1 != Some(*contact) || entry.0.is_none())
        {
            entry.1 = Some(*contact);
            if entry.0.is_none() {
                entry.0 = Some(*contact_account);
            }
            changed.insert(key.to_string());
        }
        let account = match &m.group_id {
            Some(g) => {
                let a = known.accounts.get(g).copied();
                if a.is_some() && entry.0 != a {
                    entry.0 = a;
                    changed.insert(key.to_string());
                }
                if a.is_none() {
                    waiting.insert(key.to_string(), g.clone());
                } else {
                    waiting.remove(&*key);
                }
                a
            }
            None => entry.0,
        };
        accounts.push(account);
    }
    let changed_users = changed
        .into_iter()
        .map(|k| {
            let u = known.users[&k];
            (k, u)
        })
        .collect();
    Mapping {
        accounts,
        changed_users,
        waiting_users: waiting,
    }
}

/// The rollups the newly stored messages add, and how many of them have no account.
pub fn new_usage<S: Borrow<str> + Hash + Eq>(
    messages: &[&Message],
    mapping: &Mapping,
    stored: &HashSet<S>,
) -> (RollupDelta, usize) {
    let mut delta = RollupDelta::default();
    let (_, unmapped) = add_usage(&mut delta, messages, mapping, stored);
    (delta, unmapped)
}

/// Adds the newly stored messages to `delta`; answers how many were added and how many have
/// no account.
pub fn add_usage<S: Borrow<str> + Hash + Eq>(
    delta: &mut RollupDelta,
    messages: &[&Message],
    mapping: &Mapping,
    stored: &HashSet<S>,
) -> (usize, usize) {
    let (mut added, mut unmapped) = (0, 0);
    for (m, account) in messages.iter().zip(&mapping.accounts) {
        if !stored.contains(m.message_id.as_str()) {
            continue;
        }
        match account {
            Some(a) => {
                delta.add(*a, m);
                added += 1;
            }
            None => unmapped += 1,
        }
    }
    (added, unmapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::parse_request;

    fn messages(body: &str) -> Vec<Message> {
        parse_request(None, body.as_bytes(), chrono::Utc::now())
            .unwrap()
            .messages
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_group_moves_its_user_and_later_messages_follow() {
        let all = messages(
            r#"{"batch": [
            {"type": "track", "userId": "u1", "event": "Before"},
            {"type": "group", "userId": "u1", "groupId": "ACME"},
            {"type": "track", "userId": "u1", "event": "After"},
            {"type": "track", "userId": "u2", "event": "Elsewhere", "context": {"groupId": "NEW"}}
        ]}"#,
        );
        let ms = distinct(&all);
        let need = lookups(&ms);
        assert_eq!(need.groups, vec!["ACME".to_string(), "NEW".to_string()]);
        let known = Known {
            accounts: HashMap::from([("ACME".to_string(), AccountId(7))]),
            ..Default::default()
        };
        let mapping = map(&ms, known);
        assert_eq!(
            mapping.accounts,
            vec![None, Some(AccountId(7)), Some(AccountId(7)), None]
        );
        assert_eq!(
            mapping.changed_users,
            BTreeMap::from([("u1".to_string(), (Some(AccountId(7)), None))])
        );
        // NEW is not in the book yet: u2 waits for it.
        assert_eq!(
            mapping.waiting_users,
            BTreeMap::from([("u2".to_string(), "NEW".to_string())])
        );
    }

    #[test]
    fn an_identify_ties_the_user_to_the_contact_of_its_email() {
        let all = messages(
            r#"{"batch": [
            {"type": "identify", "userId": "u1", "traits": {"email": "Ana@Acme.example"}},
            {"type": "track", "userId": "u1", "event": "Report Built"}
        ]}"#,
        );
        let ms = distinct(&all);
        assert_eq!(lookups(&ms).emails, vec!["ana@acme.example".to_string()]);
        let known = Known {
            contacts: HashMap::from([(
                "ana@acme.example".to_string(),
                (ContactId(3), AccountId(7)),
            )]),
            ..Default::default()
        };
        let mapping = map(&ms, known);
        assert_eq!(mapping.accounts[1], Some(AccountId(7)));
        let stored: HashSet<String> = ms.iter().map(|m| m.message_id.clone()).collect();
        let (delta, unmapped) = new_usage(&ms, &mapping, &stored);
        assert_eq!(unmapped, 0);
        assert_eq!(delta.names().count(), 1, "the identify is not usage");
    }
}
