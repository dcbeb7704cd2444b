//! The account 360's relationship map: who holds each role, which key roles nobody holds, and
//! who left.

use super::*;

pub(super) struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub title: String,
    pub departed: String,
    /// The contact stopped automated email.
    pub unsubscribed: bool,
    /// Erased at the person's request: nothing left to erase.
    pub erased: bool,
}

/// One relationship role and who holds it.
pub(super) struct RoleGroup {
    pub role: &'static str,
    pub people: Vec<Person>,
    /// Why the group needs attention: nobody holds a key role, or its holder left.
    pub flag: Option<String>,
}

pub(super) fn person(c: &Contact) -> Person {
    Person {
        id: c.id.to_string(),
        name: c.fields.name.clone(),
        email: c
            .fields
            .email
            .as_ref()
            .map(|e| e.as_str().to_string())
            .unwrap_or_default(),
        title: c.fields.title.clone().unwrap_or_default(),
        departed: format::date(c.fields.departed_on),
        unsubscribed: false,
        erased: c.fields.email.is_none() && c.fields.name == sherpa_store::ERASED_NAME,
    }
}

/// Contacts grouped by role. A missing champion or economic buyer, or one who has left with
/// no active successor, is flagged: seed 002 makes their departure an escalation.
pub(super) fn relationship_map(contacts: &[Contact]) -> (Vec<RoleGroup>, Vec<Person>) {
    let mut groups = Vec::new();
    for role in RelationshipRole::ALL {
        let holders: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.fields.roles.contains(role))
            .collect();
        let key = matches!(
            role,
            RelationshipRole::Champion | RelationshipRole::EconomicBuyer
        );
        let label = match role {
            RelationshipRole::EconomicBuyer => "economic buyer",
            RelationshipRole::Champion => "champion",
            RelationshipRole::Coach => "coach",
            RelationshipRole::TechnicalBuyer => "technical buyer",
            RelationshipRole::UserBuyer => "user buyer",
            RelationshipRole::Admin => "admin",
            RelationshipRole::Executive => "executive",
        };
        let active = holders.iter().any(|c| c.fields.active());
        let flag = match (key, holders.is_empty(), active) {
            (true, true, _) => Some(format!("No {label} named")),
            (true, false, false) => Some(format!("The {label} has left; name a new one")),
            _ => None,
        };
        if holders.is_empty() && flag.is_none() {
            continue;
        }
        groups.push(RoleGroup {
            role: label,
            people: holders.into_iter().map(person).collect(),
            flag,
        });
    }
    let unassigned = contacts
        .iter()
        .filter(|c| c.fields.roles.is_empty())
        .map(person)
        .collect();
    (groups, unassigned)
}
